"""The core (核心): what every side needs and nothing Streamlit.

The store (DuckDB, migrations, transactions), the label catalogue (界面文字), the
standard vocabulary (标准词表), periods (统计期间) and text normalisation.  Layers
point one way: pages → dashboard → loaders → core; nothing here imports above it.
"""
