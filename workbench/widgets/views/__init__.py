"""The dashboard's views (ipywidgets); each view only shows and edits a state object from ``widgets.state``."""
