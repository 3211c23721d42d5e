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

    @portal.command("deliver-outbound")
    @click.option("--loop", is_flag=True, help="keep delivering (every OUTBOUND_POLL_SECONDS) until stopped")
    @with_appcontext
    def deliver_outbound(loop):
        """Send the due outbound messages (推送12345平台) once, or keep doing so with --loop."""
        import time

        from flask import current_app

        from app.integration.outbound import deliver_pending

        if not current_app.config.get("OUTBOUND_12345_URL"):
            raise click.ClickException("未配置 OUTBOUND_12345_URL，消息保持待发送 / no endpoint configured")
        while True:
            outcome = deliver_pending()
            click.echo(f"已发送 {outcome['sent']} 条，失败 {outcome['failed']} 条 / sent, failed")
            if not loop:
                return
            time.sleep(current_app.config["OUTBOUND_POLL_SECONDS"])

    @portal.command("flag-overdue")
    @with_appcontext
    def flag_overdue():
        """超期催办: flag periods and tasks that became overdue (run by cron or Celery beat; idempotent)."""
        from app.services.deadlines import flag_overdue as flag

        click.echo(f"新标记超期 {flag()} 项 / newly overdue items flagged")

    @portal.command("purge-logs")
    @click.option("--days", type=int, required=True, help="delete log rows older than this many days (≥ 180)")
    @with_appcontext
    def purge_logs(days):
        """Delete operation and login log rows older than --days (never fewer than 180)."""
        from app.security.audit_log import purge_logs as purge

        try:
            count = purge(days)
        except ValueError as exc:
            raise click.UsageError(str(exc))
        click.echo(f"已清理 {count} 条 {days} 天前的日志 / purged")

    @portal.command("reset-roles")
    @with_appcontext
    def reset_roles():
        """Give the shipped roles their default permissions again."""
        from app.bootstrap import sync_security

        sync_security(reset_roles=True)
        click.echo("角色权限已重置 / roles reset")
