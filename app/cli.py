"""``flask portal …`` commands for operators."""
import click
from flask.cli import with_appcontext


def register_commands(app):
    @app.cli.group("portal")
    def portal():
        """许昌市市域基层治理平台 maintenance commands."""

    @portal.command("init")
    @click.option("--demo/--no-demo", default=None, help="load demo data on an empty database")
    @with_appcontext
    def init(demo):
        """Migrate the schema, sync permissions and roles (the one deploy step)."""
        from app.bootstrap import prepare_database

        prepare_database(seed_demo=demo)
        click.echo("数据库已就绪 / database ready")

    @portal.command("reset-roles")
    @with_appcontext
    def reset_roles():
        """Give the shipped roles their default permissions again."""
        from app.bootstrap import sync_security

        sync_security(reset_roles=True)
        click.echo("角色权限已重置 / roles reset")
