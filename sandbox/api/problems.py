"""Every error as RFC 9457 problem details, in the reader's language, pointing at the field at fault.

    {"type": "/problems/invalid_input", "title": "Dữ liệu không hợp lệ", "status": 422,
     "detail": "#/specs/mass_kg: cần số lớn hơn 0", "code": "invalid_input",
     "errors": [{"pointer": "#/specs/mass_kg", "detail": "cần số lớn hơn 0"}]}

Bad input never becomes a 500: request bodies that fail to decode are 400 or 422 with the JSON
pointer of the field; our own ``SandboxError`` carries its status; anything unexpected is logged
with its traceback and answered 500 without internals.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from sqlalchemy.exc import DataError, OperationalError

from sandbox.errors import FieldProblem, InvalidInput, SandboxError, StoreUnavailable
from sandbox.i18n import Language, Text, negotiate_language

__all__ = ["exception_handlers", "problem_types"]

log = logging.getLogger("sandbox.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_SEGMENT = re.compile(r"\.([^.\[]+)|\[(\d+)\]")

# msgspec's messages, put into Vietnamese; the English is kept as msgspec wrote it.
_MSGSPEC_VI: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Expected `(?P<a>[^`]+)`, got `(?P<b>[^`]+)`$"), "cần kiểu {a}, nhận được {b}"),
    (re.compile(r"^Object missing required field `(?P<a>[^`]+)`$"), "thiếu trường bắt buộc '{a}'"),
    (re.compile(r"^Object contains unknown field `(?P<a>[^`]+)`$"), "trường '{a}' không tồn tại"),
    (re.compile(r"^Invalid enum value (?P<a>.+)$"), "giá trị {a} không nằm trong danh sách cho phép"),
    (re.compile(r"^Invalid value (?P<a>.+)$"), "giá trị {a} không hợp lệ"),
    (re.compile(r"^Expected `str` matching regex (?P<a>.+)$"), "không đúng định dạng (mẫu {a})"),
    (re.compile(r"^Expected `(?P<t>\w+)` of length (?P<op>[<>]=?) (?P<n>\d+)$"), "độ dài phải {op} {n}"),
    (re.compile(r"^Expected `(?P<t>\w+)` (?P<op>[<>]=?) (?P<n>[-\d.e]+)$"), "giá trị phải {op} {n}"),
    (re.compile(r"^Expected `(?P<t>\w+)` that is a multiple of (?P<n>[-\d.e]+)$"), "phải là bội số của {n}"),
    (re.compile(r"^Invalid RFC3339 encoded date$"), "ngày không hợp lệ (định dạng YYYY-MM-DD)"),
    (re.compile(r"^Invalid RFC3339 encoded datetime$"), "thời điểm không hợp lệ (định dạng RFC 3339)"),
    (re.compile(r"^Invalid UUID$"), "mã định danh (UUID) không hợp lệ"),
]

_HTTP_PROBLEMS: dict[int, tuple[str, Text]] = {
    400: ("bad_request", Text("Yêu cầu không hợp lệ", "Bad request")),
    401: ("authentication_failed", Text("Chưa xác thực", "Not authenticated")),
    403: ("permission_denied", Text("Không có quyền", "Permission denied")),
    404: ("not_found", Text("Không tìm thấy", "Not found")),
    405: ("method_not_allowed", Text("Phương thức không được hỗ trợ", "Method not allowed")),
    413: ("payload_too_large", Text("Dữ liệu gửi lên quá lớn", "Payload too large")),
    415: ("unsupported_media_type", Text("Kiểu dữ liệu không được hỗ trợ", "Unsupported media type")),
}
_OTHER_PROBLEMS = {
    "invalid_parameter": Text("Tham số không hợp lệ", "Invalid parameter"),
    "malformed_json": Text("JSON bị lỗi cú pháp", "Malformed JSON"),
    "http_error": Text("Lỗi yêu cầu", "Request error"),
    "internal_error": Text("Lỗi hệ thống", "Internal error"),
}


def problem_types() -> dict[str, Text]:
    """Every problem ``type`` the API can answer with, and its title: what ``/problems/{code}`` documents."""
    types: dict[str, Text] = {code: title for code, title in _HTTP_PROBLEMS.values()}
    types.update(_OTHER_PROBLEMS)
    pending: list[type[SandboxError]] = [SandboxError]
    while pending:
        cls = pending.pop()
        types[cls.code] = cls.title
        pending.extend(cls.__subclasses__())
    return types


_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "code", "errors"})


def _problem(request: Request, status: int, code: str, title: Text, detail: Text,
             errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
             extra: dict[str, Any] | None = None) -> Response[dict[str, Any]]:
    language = negotiate_language(request.headers.get("accept-language"), request.query_params.get("lang"))
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title.in_(language),
        "status": status,
        "detail": detail.in_(language),
        "instance": request.url.path,
        "code": code,
    }
    if errors:
        body["errors"] = _localised(errors, language)
    clashing = _MEMBERS.intersection(extra or {})
    if clashing:
        raise ValueError(f"problem extension members {sorted(clashing)} would overwrite RFC 9457 members")
    body.update(_localised(extra or {}, language))
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _localised(value: Any, language: Language) -> Any:
    if isinstance(value, Text):
        return value.in_(language)
    if isinstance(value, dict):
        return {key: _localised(item, language) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_localised(item, language) for item in value]
    return value


def _msgspec_text(message: str) -> Text:
    for pattern, vietnamese in _MSGSPEC_VI:
        if match := pattern.match(message):
            return Text(vietnamese.format(**match.groupdict()), message)
    return Text(f"giá trị không hợp lệ: {message}", message)


def _pointer(path: str) -> str:
    """``$.data.sites[0].name`` (msgspec) → ``#/sites/0/name`` (RFC 6901 in a URI fragment)."""
    parts = [name or index for name, index in _SEGMENT.findall(path)]
    if parts[:1] == ["data"]:
        parts = parts[1:]
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _validation_errors(request: Request, exc: ValidationException) -> tuple[list[dict[str, Any]], bool]:
    """The field errors of a failed decode, and whether they concern the body (422) or parameters (400)."""
    cause = exc.__cause__
    errors: list[dict[str, Any]] = []
    in_body = False
    for item in exc.extra if isinstance(exc.extra, list) else []:
        message = str(item.get("message", ""))
        text = _msgspec_text(message)
        if item.get("source") == "body":
            in_body = True
            match = _PATH.search(str(cause)) if cause is not None else None
            pointer = _pointer(match.group("path")) if match else "#/" + str(item.get("key", "")).replace(".", "/")
            if field := re.match(r"^Object (?:missing required|contains unknown) field `([^`]+)`$", message):
                pointer = pointer.rstrip("/") + "/" + field.group(1)
            errors.append({"pointer": pointer, "detail": text})
        else:
            name = _parameter_name(request, str(item.get("key", "")))
            errors.append({"parameter": name, "in": item.get("source"), "detail": text})
    return errors, in_body


def _parameter_name(request: Request, key: str) -> str:
    """The name a client uses (``?state=``) for a handler argument (``trial_state``)."""
    parameter = request.route_handler.parsed_fn_signature.parameters.get(key)
    alias = getattr(getattr(parameter, "kwarg_definition", None), "name", None)
    return alias or key


def _field_error(problem: FieldProblem, language: Language) -> dict[str, Any]:
    return {"pointer": "#" + problem.pointer, "detail": problem.message.in_(language), **problem.extra}


def handle_sandbox_error(request: Request, exc: SandboxError) -> Response[dict[str, Any]]:
    language = negotiate_language(request.headers.get("accept-language"), request.query_params.get("lang"))
    errors = [_field_error(p, language) for p in getattr(exc, "problems", [])]
    extra = dict(exc.extra)
    if (pointer := extra.pop("pointer", None)) is not None:
        errors.append({"pointer": "#" + pointer, "detail": exc.message.in_(language)})
    headers = {"WWW-Authenticate": 'Bearer realm="sandbox"'} if exc.status_code == 401 else None
    if exc.status_code >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc.message.en)
    return _problem(request, exc.status_code, exc.code, exc.title, exc.message, errors or None, headers, extra)


def handle_validation(request: Request, exc: ValidationException) -> Response[dict[str, Any]]:
    errors, in_body = _validation_errors(request, exc)
    details = [error["detail"] for error in errors]
    where = [error.get("pointer") or error.get("parameter") for error in errors]
    if not errors:
        detail = Text("Yêu cầu không hợp lệ: ", "Invalid request: ") + Text(str(exc.detail), str(exc.detail))
    else:
        detail = Text(f"{where[0]}: {details[0].vi}", f"{where[0]}: {details[0].en}")
    status = 422 if in_body else 400
    code = "invalid_input" if in_body else "invalid_parameter"
    title = InvalidInput.title if in_body else _OTHER_PROBLEMS["invalid_parameter"]
    return _problem(request, status, code, title, detail, errors)


def handle_http(request: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    if status >= 500:
        log.error("%s %s failed with %s", request.method, request.url.path, exc.detail, exc_info=exc)
    code, title = _HTTP_PROBLEMS.get(status, ("http_error", _OTHER_PROBLEMS["http_error"]))
    detail = Text(str(exc.detail), str(exc.detail))
    if status == 400 and isinstance(exc.__cause__, SerializationException):
        code, title = "malformed_json", _OTHER_PROBLEMS["malformed_json"]
        detail = Text(f"Nội dung gửi lên không phải JSON hợp lệ: {exc.detail}", str(exc.detail))
    elif status == 404:
        detail = Text(f"Không có tài nguyên {request.url.path}", f"There is nothing at {request.url.path}")
    return _problem(request, status, code, title, detail, headers=dict(exc.headers or {}) or None)


def handle_store_unavailable(request: Request, exc: OperationalError) -> Response[dict[str, Any]]:
    log.error("database unavailable during %s %s: %s", request.method, request.url.path, exc)
    return handle_sandbox_error(
        request,
        StoreUnavailable(Text("Cơ sở dữ liệu đang bận hoặc không kết nối được; hãy thử lại sau",
                              "The database is busy or unreachable; try again shortly")),
    )


def handle_unstorable_value(request: Request, exc: DataError) -> Response[dict[str, Any]]:
    """A value passed validation but the database cannot store it (a safety net: validation should catch it)."""
    log.warning("database refused a value in %s %s: %s", request.method, request.url.path, exc.orig)
    reason = str(exc.orig).splitlines()[0]
    return _problem(
        request, 422, InvalidInput.code, InvalidInput.title,
        Text(f"Cơ sở dữ liệu không lưu được một giá trị: {reason}", f"The database cannot store a value: {reason}"),
    )


def handle_unexpected(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    return _problem(
        request, 500, "internal_error", _OTHER_PROBLEMS["internal_error"],
        Text("Đã có lỗi ngoài dự kiến; lỗi đã được ghi lại", "Something unexpected went wrong; it has been logged"),
    )


def exception_handlers() -> dict[type[Exception], Any]:
    return {
        SandboxError: handle_sandbox_error,
        ValidationException: handle_validation,
        HTTPException: handle_http,
        OperationalError: handle_store_unavailable,
        DataError: handle_unstorable_value,
        Exception: handle_unexpected,
    }

