"""A CustomResourceDefinition the size and shape of a real operator's: its spec embeds a whole pod template,
expanded the way controller-gen writes one (every $ref inlined, descriptions kept, IntOrString and Quantity
as x-kubernetes-int-or-string, list-map keys given a default where the type has none), so the CRD is
several hundred KB, as Prometheus Operator's or Argo's are. Built from the same kubernetes 1.32 schema
the API server validates built-in kinds with, so nothing is downloaded."""
import json
import pathlib

DEFINITIONS = pathlib.Path(__file__).resolve().parents[2] / "Sources/APIMachinery/Resources/definitions.json"
INT_OR_STRING = {"io.k8s.apimachinery.pkg.util.intstr.IntOrString", "io.k8s.apimachinery.pkg.api.resource.Quantity"}
# What controller-gen keeps of an OpenAPI schema; the strategic-merge hints are not CRD schema fields.
KEPT = {"description", "type", "format", "properties", "items", "additionalProperties", "required", "enum",
        "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
        "x-kubernetes-preserve-unknown-fields"}
# controller-gen gives the list-map keys a type leaves optional the default the API documents.
MAP_KEY_DEFAULTS = {"protocol": "TCP", "name": ""}


def _ref_name(schema):
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if len(schema.get("allOf", [])) == 1 and "$ref" in schema["allOf"][0]:
        return schema["allOf"][0]["$ref"].rsplit("/", 1)[-1]
    return None


def _expand(schema, defs, depth=0):
    assert depth < 40, "recursive schema"
    ref = _ref_name(schema)
    if ref is not None:
        description = schema.get("description")
        if ref in INT_OR_STRING:
            out = {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": True}
        elif ref == "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta":
            # controller-gen's generateEmbeddedObjectMeta: without these properties the labels of the
            # template would be pruned (or, under strict validation, refused), as upstream does.
            out = {"type": "object", "properties": {
                "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
                "finalizers": {"type": "array", "items": {"type": "string"}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "name": {"type": "string"},
                "namespace": {"type": "string"},
            }}
        else:
            out = _expand(defs[ref], defs, depth + 1)
        if description:
            out = {"description": description, **{k: v for k, v in out.items() if k != "description"}}
        return out
    out = {}
    for key, value in schema.items():
        if key not in KEPT:
            continue
        if key == "properties":
            value = {name: _expand(prop, defs, depth + 1) for name, prop in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            value = _expand(value, defs, depth + 1)
        out[key] = value
    if "properties" in out and "type" not in out:
        out["type"] = "object"
    keys = out.get("x-kubernetes-list-map-keys", [])
    item = out.get("items", {})
    for key in keys:
        if key not in item.get("required", []) and key in item.get("properties", {}):
            item["properties"][key]["default"] = MAP_KEY_DEFAULTS[key]
    return out


def pod_template_crd(group, plural, kind):
    defs = json.loads(DEFINITIONS.read_text())["definitions"]
    template = _expand({"$ref": "#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec"}, defs)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind, "listKind": f"{kind}List"},
            "versions": [{
                "name": "v1", "served": True, "storage": True,
                "schema": {"openAPIV3Schema": {
                    "description": f"{kind} runs a set of pods from a template, as an operator's workload kind does.",
                    "type": "object",
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "metadata": {"type": "object"},
                        "spec": {"type": "object", "required": ["template"], "properties": {
                            "replicas": {"type": "integer", "format": "int32", "minimum": 0, "default": 1},
                            "template": template,
                        }},
                        "status": {"type": "object", "properties": {"replicas": {"type": "integer", "format": "int32"}}},
                    },
                }},
                "subresources": {"status": {}},
                "additionalPrinterColumns": [
                    {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
                    {"name": "Image", "type": "string", "jsonPath": ".spec.template.spec.containers[0].image"},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                ],
            }],
        },
    }


if __name__ == "__main__":
    print(len(json.dumps(pod_template_crd("ops.example.com", "runners", "Runner"))))
