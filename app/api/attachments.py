"""``/api/v1/attachments/``: upload (multipart ``file``) and scoped download of ticket attachments.

Files are checked by extension *and* content signature, size-limited, stored outside the web
root under a random name, and served only to the uploader or to users who may see a ticket
that references them."""
import os
import uuid

from flask import current_app, send_file
from flask import request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from app.api.tickets import actor, browser_csrf_ok
from app.audit import record
from app.extensions import db
from app.models.ticket import Attachment, Ticket, ticket_attachment
from app.security.roles import DEPT_HANDLER, GRID_LEADER, GRID_MEMBER, HANDLER, HEAD, extend_role_permissions
from app.security.scope import log_out_of_scope, scope_for
from app.workflow.forms import valid_key

ALLOWED = ("doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "pdf", "mp4", "zip", "rar", "png", "jpg", "jpeg")
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
SIGNATURES = {
    "pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",),
    "zip": (ZIP, b"PK\x05\x06"), "docx": (ZIP,), "xlsx": (ZIP,), "pptx": (ZIP,), "doc": (OLE,), "xls": (OLE,),
    "ppt": (OLE,), "rar": (b"Rar!\x1a\x07",),
}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                 "mp4": "video/mp4", "txt": "text/plain; charset=utf-8", "zip": "application/zip"}


def sniff_ok(ext, head):
    """True when the first bytes of the file match what its extension promises."""
    if ext == "mp4":
        return head[4:8] == b"ftyp"
    if ext == "txt":
        if b"\x00" in head:
            return False
        for cut in range(4):     # the 512-byte head may end inside a multi-byte character
            for enc in ("utf-8", "gb18030"):
                try:
                    head[:len(head) - cut].decode(enc)
                    return True
                except UnicodeDecodeError:
                    continue
        return False
    return any(head.startswith(sig) for sig in SIGNATURES.get(ext, ()))


def storage_dir():
    path = os.path.join(current_app.config["UPLOAD_FOLDER"], "attachments")
    os.makedirs(path, exist_ok=True)
    return path


class UploadRefused(Exception):
    """An upload that is not stored; ``status`` is 400, 413 or 415, ``message`` Chinese."""

    def __init__(self, status, message, errors=None):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors


def _limit():
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES") or current_app.config["MAX_CONTENT_LENGTH"])


def too_large_message(limit=None):
    return f"文件大小不能超过{(limit or _limit()) // (1024 * 1024)}MB"


def store_upload(upload, allowed=ALLOWED, limit=None):
    """Check one uploaded file and store it: extension whitelist and content signature, size
    limit (413), random stored name outside the web root.  Returns (stored name, original
    name, size, content type); the caller keeps the row that references it."""
    limit = limit or _limit()
    if upload is None or not upload.filename:
        raise UploadRefused(400, "请选择要上传的文件", {"file": ["请选择要上传的文件"]})
    name = os.path.basename(upload.filename.replace("\\", "/"))[:255]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in allowed:
        raise UploadRefused(415, "文件格式只能是 " + "/".join(allowed))
    head = upload.stream.read(512)
    if not sniff_ok(ext, head):
        raise UploadRefused(415, "文件内容与扩展名不符")
    stored = uuid.uuid4().hex
    path = os.path.join(storage_dir(), stored)
    size = len(head)
    with open(path, "wb") as out:
        out.write(head)
        while True:
            chunk = upload.stream.read(1024 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                out.close()
                os.remove(path)
                raise UploadRefused(413, too_large_message(limit))
            out.write(chunk)
    return stored, name, size, CONTENT_TYPES.get(ext, "application/octet-stream")


def save_upload(upload, user):
    """Check and store one uploaded file (pages and API alike); returns the Attachment row,
    which joins the caller's transaction with its log entry."""
    stored, name, size, content_type = store_upload(upload)
    row = Attachment(stored_name=stored, original_name=name, size=size, content_type=content_type,
                     uploader_id=user.id, uploader_unit_id=user.unit_id)
    db.session.add(row)
    db.session.flush()
    record("upload", "上传附件", target=f"attachment#{row.id}", detail={"name": name, "size": size}, user=user)
    return row


class AttachmentApi(BaseApi):
    """附件: upload, then reference by id from a ticket (``attachment_ids``) or a feedback."""

    resource_name = "attachments"
    class_permission_name = "AttachmentApi"
    allow_browser_login = True
    openapi_spec_tag = "Attachments"

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post(self):
        """Upload one file (multipart ``file``)
        ---
        post:
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file:
                      type: string
                      format: binary
          responses:
            201:
              description: 已上传
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      name: {type: string}
                      size: {type: integer}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            413:
              description: 文件过大
              content:
                application/json:
                  schema:
                    type: object
            415:
              description: 文件类型不允许
              content:
                application/json:
                  schema:
                    type: object
        """
        if not browser_csrf_ok():
            return self.response(400, message="页面已过期（CSRF 校验失败），请刷新后重试")
        try:
            row = save_upload(request.files.get("file"), actor())
        except UploadRefused as exc:
            return self.response(exc.status, message=exc.message, **({"errors": exc.errors} if exc.errors else {}))
        except RequestEntityTooLarge:
            return self.response(413, message=too_large_message())
        db.session.commit()
        name, size = row.original_name, row.size
        return self.response(201, id=row.id, name=name, size=size)

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get(self, pk):
        """Download a file: the uploader, or a user who may see a ticket that references it
        ---
        get:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          responses:
            200:
              description: 文件内容
              content:
                application/octet-stream:
                  schema:
                    type: string
                    format: binary
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
        user = actor()
        row = db.session.get(Attachment, pk) if valid_key(pk) else None
        visible = row is not None and (row.uploader_id == user.id or db.session.scalar(
            select(ticket_attachment.c.ticket_id).join(Ticket, Ticket.id == ticket_attachment.c.ticket_id)
            .where(ticket_attachment.c.attachment_id == row.id, Ticket.scope_clause(scope_for(user))).limit(1))
            is not None)
        path = os.path.join(storage_dir(), row.stored_name) if row is not None else None
        if not visible or not os.path.isfile(path):
            log_out_of_scope(Attachment, pk)
            return self.response(404, message="附件不存在或无权访问")
        return send_file(path, mimetype=row.content_type or "application/octet-stream", as_attachment=True,
                         download_name=row.original_name)


for _role in (GRID_MEMBER, GRID_LEADER, HANDLER, HEAD, DEPT_HANDLER):
    extend_role_permissions(_role, [(r"can_(get|post)", r"AttachmentApi")])
