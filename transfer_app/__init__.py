"""The Streamlit app of the transfer tool: one module per page (``pages/``), typed session state (``session``), the
run context and cached engine calls (``state``), pure helpers (``core``) and the explorer map (``maps``).

The engine (``transfer``) never imports this package or streamlit.
"""
