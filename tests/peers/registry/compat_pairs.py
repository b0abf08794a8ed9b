"""Generate the (latest, new) schema pairs that compat_diff.py checks.

Every pair is one kind of schema change that a team makes, on a record `example.avro.Event`
that always has the field `id`. A pair's `focus` lists the names that a rejection must name:
the field or type path where the change is.
"""

NAMESPACE = "example.avro"

# A type of each kind, with a default that is a value of the type.
FIELD_TYPES = {
    "null": ("null", None),
    "boolean": ("boolean", True),
    "int": ("int", 7),
    "long": ("long", 7),
    "float": ("float", 1.5),
    "double": ("double", 2.5),
    "bytes": ("bytes", "\u00ff"),
    "string": ("string", "x"),
    "enum": ({"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}, "RED"),
    "fixed": ({"type": "fixed", "name": "Pair", "size": 2}, "ab"),
    "array": ({"type": "array", "items": "string"}, ["a"]),
    "map": ({"type": "map", "values": "int"}, {"a": 1}),
    "record": (
        {"type": "record", "name": "Inner", "fields": [{"name": "a", "type": "int"}]},
        {"a": 1},
    ),
    "union-null-first": (["null", "string"], None),
    "union-string-first": (["string", "null"], "x"),
}

PROMOTABLE = ["int", "long", "float", "double", "string", "bytes"]

COLOR = ["RED", "GREEN"]


def event(fields, name="Event", namespace=NAMESPACE, **extra):
    schema = {"type": "record", "name": name}
    if namespace is not None:
        schema["namespace"] = namespace
    schema.update(extra)
    schema["fields"] = [{"name": "id", "type": "string"}] + fields
    return schema


def field(name, type_, **extra):
    result = {"name": name, "type": type_}
    result.update(extra)
    return result


def enum(symbols, name="Color", **extra):
    result = {"type": "enum", "name": name, "symbols": symbols}
    result.update(extra)
    return result


def record(name, fields, **extra):
    result = {"type": "record", "name": name}
    result.update(extra)
    result["fields"] = fields
    return result


def fixed(size, name="Hash", **extra):
    result = {"type": "fixed", "name": name, "size": size}
    result.update(extra)
    return result


def decimal(precision, scale, base="bytes"):
    return {"type": base, "logicalType": "decimal", "precision": precision, "scale": scale}


def fixed_decimal(precision, scale, size=8):
    return {
        "type": "fixed",
        "name": "Money",
        "size": size,
        "logicalType": "decimal",
        "precision": precision,
        "scale": scale,
    }


def logical(base, logical_type):
    return {"type": base, "logicalType": logical_type}


def address(extra_fields=(), name="Address", **extra):
    fields = [field("street", "string"), field("city", "string")] + list(extra_fields)
    return record(name, fields, **extra)


class Pairs:
    """Collects pairs and checks that every id is unique."""

    def __init__(self):
        self.items = []
        self.ids = set()

    def add(self, kind, pair_id, old, new, focus):
        assert pair_id not in self.ids, pair_id
        self.ids.add(pair_id)
        self.items.append({"id": pair_id, "kind": kind, "old": old, "new": new, "focus": focus})


def add_field_pairs(pairs):
    for type_name, (type_, default) in FIELD_TYPES.items():
        plain = field("extra", type_)
        with_default = field("extra", type_, default=default)
        base = event([])
        pairs.add("field added", f"add-{type_name}-no-default", base, event([plain]), ["extra"])
        pairs.add("field added", f"add-{type_name}-default", base, event([with_default]), ["extra"])
        pairs.add("field removed", f"remove-{type_name}-no-default", event([plain]), base, ["extra"])
        pairs.add(
            "field removed", f"remove-{type_name}-default", event([with_default]), base, ["extra"]
        )


def promotion_pairs(pairs):
    for old in PROMOTABLE:
        for new in PROMOTABLE:
            if old != new:
                pairs.add(
                    "type promotion",
                    f"type-{old}-to-{new}",
                    event([field("value", old)]),
                    event([field("value", new)]),
                    ["value"],
                )
    for old, new in [("boolean", "int"), ("int", "boolean"), ("null", "string"), ("string", "null")]:
        pairs.add(
            "type change",
            f"type-{old}-to-{new}",
            event([field("value", old)]),
            event([field("value", new)]),
            ["value"],
        )


def enum_pairs(pairs):
    def color(type_):
        return event([field("color", type_)])

    cases = [
        ("enum-symbol-added", enum(COLOR), enum(COLOR + ["BLUE"]), ["color"]),
        ("enum-symbol-removed", enum(COLOR), enum(["RED"]), ["color"]),
        ("enum-symbols-reordered", enum(COLOR), enum(["GREEN", "RED"]), ["color"]),
        ("enum-symbol-renamed", enum(COLOR), enum(["RED", "VERDE"]), ["color"]),
        (
            "enum-symbol-added-new-default",
            enum(COLOR),
            enum(COLOR + ["BLUE"], default="RED"),
            ["color"],
        ),
        (
            "enum-symbol-added-both-default",
            enum(COLOR, default="RED"),
            enum(COLOR + ["BLUE"], default="RED"),
            ["color"],
        ),
        (
            "enum-symbol-removed-new-default",
            enum(COLOR),
            enum(["RED"], default="RED"),
            ["color"],
        ),
        (
            "enum-symbol-removed-old-default",
            enum(COLOR, default="RED"),
            enum(["RED"]),
            ["color"],
        ),
        ("enum-default-added", enum(COLOR), enum(COLOR, default="GREEN"), ["color"]),
        ("enum-default-removed", enum(COLOR, default="GREEN"), enum(COLOR), ["color"]),
        ("enum-renamed", enum(COLOR), enum(COLOR, name="Colour"), ["color", "Color"]),
        (
            "enum-renamed-full-alias",
            enum(COLOR),
            enum(COLOR, name="Colour", aliases=[f"{NAMESPACE}.Color"]),
            ["color", "Color"],
        ),
        (
            "enum-renamed-relative-alias",
            enum(COLOR),
            enum(COLOR, name="Colour", aliases=["Color"]),
            ["color", "Color"],
        ),
        (
            "enum-namespace-changed",
            enum(COLOR),
            enum(COLOR, namespace="example.other"),
            ["color", "Color"],
        ),
        (
            "enum-to-string",
            enum(COLOR),
            "string",
            ["color"],
        ),
        (
            "string-to-enum",
            "string",
            enum(COLOR),
            ["color"],
        ),
        (
            "enum-in-union-symbol-added",
            ["null", enum(COLOR)],
            ["null", enum(COLOR + ["BLUE"])],
            ["color"],
        ),
        (
            "enum-array-symbol-removed",
            {"type": "array", "items": enum(COLOR)},
            {"type": "array", "items": enum(["RED"])},
            ["color"],
        ),
    ]
    for pair_id, old, new, focus in cases:
        pairs.add("enum", pair_id, color(old), color(new), focus)


def union_pairs(pairs):
    inner = record("Inner", [field("a", "int")])
    inner_b = record("Inner", [field("a", "int"), field("b", "string")])
    inner_b_default = record("Inner", [field("a", "int"), field("b", "string", default="")])
    other = record("Other", [field("a", "int")])
    cases = [
        ("union-branch-added", ["null", "string"], ["null", "string", "int"]),
        ("union-branch-removed", ["null", "string", "int"], ["null", "string"]),
        ("union-branches-reordered", ["null", "string", "int"], ["int", "null", "string"]),
        ("union-widened-null-first", "string", ["null", "string"]),
        ("union-widened-null-last", "string", ["string", "null"]),
        ("union-narrowed-to-type", ["null", "string"], "string"),
        ("union-one-branch-to-type", ["string"], "string"),
        ("union-type-to-one-branch", "string", ["string"]),
        ("union-branch-promoted", ["null", "int"], ["null", "long"]),
        ("union-branch-demoted", ["null", "long"], ["null", "int"]),
        ("union-string-branch-to-bytes", ["null", "string"], ["null", "bytes"]),
        ("union-to-wider-type", ["int", "long"], "long"),
        ("union-to-narrower-type", ["int", "long"], "int"),
        ("type-to-wider-union", "int", ["null", "long"]),
        ("union-record-field-added-no-default", ["null", inner], ["null", inner_b]),
        ("union-record-field-added-default", ["null", inner], ["null", inner_b_default]),
        ("union-record-renamed", ["null", inner], ["null", other]),
        (
            "union-record-renamed-alias",
            ["null", inner],
            ["null", record("Other", [field("a", "int")], aliases=[f"{NAMESPACE}.Inner"])],
        ),
        (
            "union-record-branch-removed",
            ["null", inner, other],
            ["null", inner],
        ),
        (
            "union-record-branch-added",
            ["null", inner],
            ["null", inner, other],
        ),
        ("union-null-to-type", "null", ["null", "string"]),
    ]
    for pair_id, old, new in cases:
        pairs.add(
            "union",
            pair_id,
            event([field("choice", old)]),
            event([field("choice", new)]),
            ["choice"],
        )


def nested_pairs(pairs):
    zip_plain = field("zip", "string")
    zip_default = field("zip", "string", default="")
    deep_old = record("Outer", [field("middle", record("Middle", [field("leaf", "int")]))])
    deep_new = record(
        "Outer",
        [field("middle", record("Middle", [field("leaf", "int"), field("twig", "int")]))],
    )
    cases = [
        ("nested-field-added-no-default", address(), address([zip_plain]), ["address.zip"]),
        ("nested-field-added-default", address(), address([zip_default]), ["address.zip"]),
        ("nested-field-removed-no-default", address([zip_plain]), address(), ["address.zip"]),
        ("nested-field-removed-default", address([zip_default]), address(), ["address.zip"]),
        (
            "nested-field-promoted",
            address([field("number", "int")]),
            address([field("number", "long")]),
            ["address.number"],
        ),
        (
            "nested-field-type-changed",
            address([field("number", "int")]),
            address([field("number", "string")]),
            ["address.number"],
        ),
        (
            "nested-field-renamed",
            address(),
            record("Address", [field("road", "string"), field("city", "string")]),
            ["address.street"],
        ),
        (
            "nested-field-renamed-alias",
            address(),
            record(
                "Address",
                [field("road", "string", aliases=["street"]), field("city", "string")],
            ),
            ["address.street"],
        ),
        ("nested-record-renamed", address(), address(name="Location"), ["address", "Address"]),
        (
            "nested-record-renamed-full-alias",
            address(),
            address(name="Location", aliases=[f"{NAMESPACE}.Address"]),
            ["address", "Address"],
        ),
        (
            "nested-record-renamed-relative-alias",
            address(),
            address(name="Location", aliases=["Address"]),
            ["address", "Address"],
        ),
        (
            "nested-record-namespace-changed",
            address(),
            address(namespace="example.other"),
            ["address", "Address"],
        ),
        (
            "nested-record-namespace-changed-alias",
            address(),
            address(namespace="example.other", aliases=[f"{NAMESPACE}.Address"]),
            ["address", "Address"],
        ),
        ("deep-field-added-no-default", deep_old, deep_new, ["address.middle.twig"]),
        ("deep-field-removed-no-default", deep_new, deep_old, ["address.middle.twig"]),
        ("nested-record-to-string", address(), "string", ["address"]),
    ]
    for pair_id, old, new, focus in cases:
        pairs.add(
            "nested record",
            pair_id,
            event([field("address", old)]),
            event([field("address", new)]),
            focus,
        )


def collection_pairs(pairs):
    def array(items):
        return {"type": "array", "items": items}

    def map_(values):
        return {"type": "map", "values": values}

    item = record("Item", [field("sku", "string")])
    item_qty = record("Item", [field("sku", "string"), field("qty", "int")])
    item_qty_default = record("Item", [field("sku", "string"), field("qty", "int", default=1)])
    cases = [
        ("array-items-int-to-long", array("int"), array("long")),
        ("array-items-long-to-int", array("long"), array("int")),
        ("array-items-string-to-bytes", array("string"), array("bytes")),
        ("array-items-string-to-int", array("string"), array("int")),
        ("array-items-to-union", array("string"), array(["null", "string"])),
        ("array-union-items-to-type", array(["null", "string"]), array("string")),
        ("array-items-record-field-added-no-default", array(item), array(item_qty)),
        ("array-items-record-field-added-default", array(item), array(item_qty_default)),
        ("array-of-arrays-items-changed", array(array("int")), array(array("string"))),
        ("array-to-map", array("string"), map_("string")),
        ("map-to-array", map_("string"), array("string")),
        ("array-to-items-type", array("string"), "string"),
        ("map-values-int-to-long", map_("int"), map_("long")),
        ("map-values-long-to-int", map_("long"), map_("int")),
        ("map-values-string-to-int", map_("string"), map_("int")),
        ("map-values-record-field-removed-no-default", map_(item_qty), map_(item)),
        ("map-values-record-field-added-no-default", map_(item), map_(item_qty)),
        ("map-of-arrays-items-promoted", map_(array("float")), map_(array("double"))),
    ]
    for pair_id, old, new in cases:
        pairs.add(
            "array and map",
            pair_id,
            event([field("items", old)]),
            event([field("items", new)]),
            ["items"],
        )


def fixed_pairs(pairs):
    cases = [
        ("fixed-size-grown", fixed(16), fixed(32), ["hash"]),
        ("fixed-size-shrunk", fixed(16), fixed(8), ["hash"]),
        ("fixed-renamed", fixed(16), fixed(16, name="Digest"), ["hash", "Hash"]),
        (
            "fixed-renamed-full-alias",
            fixed(16),
            fixed(16, name="Digest", aliases=[f"{NAMESPACE}.Hash"]),
            ["hash", "Hash"],
        ),
        (
            "fixed-namespace-changed",
            fixed(16),
            fixed(16, namespace="example.other"),
            ["hash", "Hash"],
        ),
        ("fixed-to-bytes", fixed(16), "bytes", ["hash"]),
        ("bytes-to-fixed", "bytes", fixed(16), ["hash"]),
        ("fixed-to-enum-same-name", fixed(16), enum(COLOR, name="Hash"), ["hash", "Hash"]),
    ]
    for pair_id, old, new, focus in cases:
        pairs.add(
            "fixed",
            pair_id,
            event([field("hash", old)]),
            event([field("hash", new)]),
            focus,
        )


def name_pairs(pairs):
    name = field("name", "string")
    cases = [
        ("record-renamed", event([name]), event([name], name="Event2"), ["Event"]),
        (
            "record-renamed-full-alias",
            event([name]),
            event([name], name="Event2", aliases=[f"{NAMESPACE}.Event"]),
            ["Event"],
        ),
        (
            "record-renamed-relative-alias",
            event([name]),
            event([name], name="Event2", aliases=["Event"]),
            ["Event"],
        ),
        (
            "record-namespace-changed",
            event([name]),
            event([name], namespace="example.other"),
            ["Event"],
        ),
        (
            "record-namespace-changed-alias",
            event([name]),
            event([name], namespace="example.other", aliases=[f"{NAMESPACE}.Event"]),
            ["Event"],
        ),
        ("record-namespace-removed", event([name]), event([name], namespace=None), ["Event"]),
        (
            "record-dotted-name",
            event([name]),
            event([name], name=f"{NAMESPACE}.Event", namespace=None),
            ["Event"],
        ),
        ("field-renamed", event([name]), event([field("full_name", "string")]), ["name"]),
        (
            "field-renamed-alias",
            event([name]),
            event([field("full_name", "string", aliases=["name"])]),
            ["name"],
        ),
        (
            "field-renamed-alias-on-old",
            event([field("name", "string", aliases=["full_name"])]),
            event([field("full_name", "string")]),
            ["name"],
        ),
        (
            "field-renamed-default",
            event([name]),
            event([field("full_name", "string", default="")]),
            ["name"],
        ),
        ("field-case-changed", event([name]), event([field("Name", "string")]), ["name"]),
        (
            "field-renamed-type-changed",
            event([name]),
            event([field("age", "int")]),
            {"Backward": ["age"], "Forward": ["name"]},
        ),
        (
            "field-alias-and-old-name-both",
            event([name, field("full_name", "string", default="")]),
            event([field("full_name", "string", aliases=["name"])]),
            ["name"],
        ),
        (
            "fields-reordered",
            event([name, field("age", "int")]),
            event([field("age", "int"), name]),
            ["name"],
        ),
        (
            "field-doc-added",
            event([name]),
            event([field("name", "string", doc="The customer's name.")]),
            ["name"],
        ),
    ]
    for pair_id, old, new, focus in cases:
        pairs.add("names and aliases", pair_id, old, new, focus)


def logical_pairs(pairs):
    cases = [
        ("decimal-precision-changed", decimal(10, 2), decimal(12, 2)),
        ("decimal-scale-changed", decimal(10, 2), decimal(10, 3)),
        ("decimal-dropped", decimal(10, 2), "bytes"),
        ("decimal-added", "bytes", decimal(10, 2)),
        ("decimal-bytes-to-fixed", decimal(10, 2), fixed_decimal(10, 2)),
        ("decimal-fixed-precision-changed", fixed_decimal(10, 2), fixed_decimal(12, 2)),
        ("decimal-fixed-scale-changed", fixed_decimal(10, 2), fixed_decimal(10, 4)),
        ("decimal-in-union-scale-changed", ["null", decimal(10, 2)], ["null", decimal(10, 3)]),
        ("date-dropped", logical("int", "date"), "int"),
        ("date-added", "int", logical("int", "date")),
        ("date-to-timestamp-millis", logical("int", "date"), logical("long", "timestamp-millis")),
        ("timestamp-millis-to-date", logical("long", "timestamp-millis"), logical("int", "date")),
        (
            "timestamp-millis-to-micros",
            logical("long", "timestamp-millis"),
            logical("long", "timestamp-micros"),
        ),
        (
            "timestamp-micros-to-millis",
            logical("long", "timestamp-micros"),
            logical("long", "timestamp-millis"),
        ),
        ("timestamp-millis-dropped", logical("long", "timestamp-millis"), "long"),
        ("timestamp-millis-to-string", logical("long", "timestamp-millis"), "string"),
        ("uuid-added", "string", logical("string", "uuid")),
        ("uuid-dropped", logical("string", "uuid"), "string"),
        ("uuid-to-bytes", logical("string", "uuid"), "bytes"),
        ("time-millis-to-micros", logical("int", "time-millis"), logical("long", "time-micros")),
    ]
    for pair_id, old, new in cases:
        pairs.add(
            "logical type",
            pair_id,
            event([field("amount", old)]),
            event([field("amount", new)]),
            ["amount"],
        )


def wrong_default_pairs(pairs):
    cases = [
        ("default-string-on-int", "int", "x"),
        ("default-number-on-string", "string", 5),
        ("default-fraction-on-long", "long", 1.5),
        ("default-int-overflow", "int", 4294967296),
        ("default-null-on-string", "string", None),
        ("default-number-on-boolean", "boolean", 0),
        ("default-string-on-float", "float", "1.0"),
        ("default-bytes-above-ff", "bytes", "\u0100"),
        ("default-later-union-branch", ["null", "string"], "x"),
        ("default-null-on-null-last-union", ["string", "null"], None),
        ("default-quoted-null", ["null", "string"], "null"),
        ("default-matches-no-branch", ["null", "string"], 5),
        ("default-unknown-symbol", enum(COLOR), "BLUE"),
        ("default-fixed-wrong-length", fixed(4, name="Code"), "ab"),
        ("default-record-missing-field", record("Inner", [field("a", "int")]), {}),
        ("default-record-wrong-field-type", record("Inner", [field("a", "int")]), {"a": "x"}),
        ("default-array-wrong-items", {"type": "array", "items": "int"}, ["x"]),
        ("default-map-wrong-values", {"type": "map", "values": "int"}, {"k": "x"}),
        ("default-array-on-map", {"type": "map", "values": "int"}, []),
        ("default-date-as-string", logical("int", "date"), "2024-01-01"),
    ]
    for pair_id, type_, default in cases:
        pairs.add(
            "default not of its type",
            pair_id,
            event([]),
            event([field("extra", type_, default=default)]),
            ["extra"],
        )
        pairs.add(
            "default not of its type",
            f"{pair_id}-removed",
            event([field("extra", type_, default=default)]),
            event([]),
            ["extra"],
        )


def build_pairs():
    """Return every pair, in a fixed order."""
    pairs = Pairs()
    add_field_pairs(pairs)
    promotion_pairs(pairs)
    enum_pairs(pairs)
    union_pairs(pairs)
    nested_pairs(pairs)
    collection_pairs(pairs)
    fixed_pairs(pairs)
    name_pairs(pairs)
    logical_pairs(pairs)
    wrong_default_pairs(pairs)
    return pairs.items
