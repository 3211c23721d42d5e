"""Start the portal: ``python run.py`` (HOST, PORT, DATABASE_URL, DEMO_PASSWORD honoured).

On an empty database in development it applies the migrations and loads demo data first.
"""
import os

from app import create_app
from app.bootstrap import prepare_database


def main():
    app = create_app()
    with app.app_context():
        prepare_database()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f"许昌市市域基层治理平台: http://{host}:{port}/  (演示账号见 README)", flush=True)
    app.run(host=host, port=port, debug=False, threaded=True)


if __name__ == "__main__":
    main()
