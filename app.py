"""Streamlit app: regional transfer site matching (`make run`); the app itself is the transfer_app package."""

from transfer_app.main import main

main()
