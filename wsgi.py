"""WSGI entry for gunicorn: ``gunicorn -w 2 'wsgi:app'`` (run ``flask portal init`` first)."""
from app import create_app
from app.bootstrap import check_production_ready

app = create_app()
with app.app_context():
    check_production_ready()
