"""Streamlit app: regional transfer site matching (`make run`); the app itself is the transfer_app package.

``streamlit run app.py`` serves ``app``, an ``st.App`` whose start-up loads the first page's data in the background
(:mod:`transfer_app.serve`), and runs this file as the script of every session, which draws the app.
"""

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

if get_script_run_ctx(suppress_warning=True) is None and hasattr(st, "App"):  # imported by the server
    from transfer_app.serve import lifespan

    app = st.App(__file__, lifespan=lifespan)
else:  # a session's script run (or a Streamlit without st.App, which runs this file as its script)
    from transfer_app.main import main

    main()
