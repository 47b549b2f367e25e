"""The PostgreSQL search engine; read backend.py first (it lists the modules in order)."""
