"""OpenAPI generation (drf-spectacular), kept apart from config.api to avoid an import cycle."""

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema

from config.errors import ErrorSerializer, error_enums
from config.layers import reachable


class AutoSchema(BaseAutoSchema):
    """Documents the shared error shape on every operation."""

    error_codes = {
        "400": "Invalid input or a refused action",
        "401": "Not authenticated, or the API token is invalid, revoked or expired",
        "403": "Not allowed",
        "404": "Not found",
        "409": "Conflicts with the current state",
        "429": "Throttled",
    }

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = endpoint_error_codes(type(self.view).__module__.split(".")[0])
        for code, description in self.error_codes.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                responses[code]["description"] = description
                for content in responses[code].get("content", {}).values():
                    # The shared shape, with `code` narrowed to what this endpoint can answer.
                    content["schema"] = {"allOf": [content["schema"], {
                        "type": "object", "properties": {"code": {"type": "string", "enum": codes}}}]}
        return responses


def endpoint_error_codes(app: str) -> list[str]:
    """The codes an endpoint of `app` can answer with: config's (CommonError, ServerError) and those of
    every app it may call (config.layers), since services raise their own app's codes."""
    apps = reachable(app) | {"config"}
    return sorted({member.value for enum in error_enums() if enum.__module__.split(".")[0] in apps for member in enum})


def document_error_codes(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error shape's `code` is one of the ErrorCode enum."""
    from config.errors import error_codes

    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorCode"] = {"type": "string", "enum": error_codes(),
                            "description": "CommonError and every app's errors.py (<app>/errors.py)"}
    if "Error" in schemas:
        schemas["Error"]["properties"]["code"] = {"$ref": "#/components/schemas/ErrorCode"}
    return result
