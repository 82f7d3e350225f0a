"""Placeholder: this page is being built."""

import streamlit as st


def render() -> None:
    st.title("violence")
    st.info("This page is being built.")
