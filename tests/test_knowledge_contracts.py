"""``[[class]]`` and ``[[package]]`` entries: parsing, lookup, overriding, errors."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from qualitytool.exceptions.inference.knowledge import (
    ClassSpec,
    KnowledgeBaseError,
    RaiseSpec,
    load_knowledge_base,
    parse_knowledge,
)

CLIENT = '''
[[class]]
name = "acme.Client"
raises = ["acme.Error"]
closed = false
methods = { fetch = "acme.Response", close = "builtins.NoneType" }
attributes = { base_url = "builtins.str", timeout = "" }
source = "https://acme.example/docs/errors"
note = "acme.BadURL is not an acme.Error"

[[package]]
name = "acme"
raises = ["acme.Error"]
closed = false
source = "https://acme.example/docs/errors"

[[package]]
name = "acme.billing"
raises = ["acme.billing.PaymentError"]
closed = true
source = "https://acme.example/docs/billing"
'''


def test_class_entry_parses_with_methods_attributes_and_defaults() -> None:
    parsed = parse_knowledge(CLIENT, "kb.toml")
    assert parsed["class"] == [
        ClassSpec(
            name="acme.Client",
            raises=("acme.Error",),
            closed=False,
            source="https://acme.example/docs/errors",
            methods={"fetch": "acme.Response", "close": "builtins.NoneType"},
            attributes={"base_url": "builtins.str", "timeout": ""},
            subclasses=False,
            note="acme.BadURL is not an acme.Error",
            origin="kb.toml",
        )
    ]
    assert [spec.name for spec in parsed["package"]] == ["acme", "acme.billing"]
    assert parsed["callable"] == parsed["operation"] == parsed["exception"] == []


def test_method_spec_carries_the_class_answer_and_the_return_type() -> None:
    (client,) = parse_knowledge(CLIENT, "kb.toml")["class"]
    assert client.method_spec("fetch") == RaiseSpec(
        name="acme.Client.fetch",
        raises=("acme.Error",),
        closed=False,
        source="https://acme.example/docs/errors",
        returns="acme.Response",
        note="acme.BadURL is not an acme.Error",
        origin="kb.toml",
    )
    assert client.method_spec("undeclared").returns is None


def test_specs_are_hashable_and_picklable() -> None:
    (client,) = parse_knowledge(CLIENT, "kb.toml")["class"]
    assert hash(client) == hash(pickle.loads(pickle.dumps(client)))
    assert pickle.loads(pickle.dumps(client)) == client


def test_package_entry_is_the_longest_dotted_prefix(tmp_path: Path) -> None:
    kb_file = tmp_path / "kb.toml"
    kb_file.write_text(CLIENT)
    kb = load_knowledge_base([kb_file])
    assert (spec := kb.package_entry("acme.Client.fetch")) is not None and spec.name == "acme"
    assert (spec := kb.package_entry("acme.billing.charge")) is not None
    assert spec.name == "acme.billing"
    assert (spec := kb.package_entry("acme")) is not None and spec.name == "acme"
    assert kb.package_entry("acme_tools.run") is None
    assert kb.package_entry("acm") is None
    # lookup stays exact-only: packages and classes do not answer it.
    assert kb.lookup("acme.Client.fetch") is None
    assert (entry := kb.class_entry("acme.Client")) is not None and entry.origin == str(kb_file)
    assert kb.class_entry("acme.client") is None


def test_shipped_packages_match_on_dotted_prefixes_only() -> None:
    kb = load_knowledge_base()
    assert (spec := kb.package_entry("stripe.Charge.create")) is not None
    assert spec.name == "stripe"
    assert kb.package_entry("stripe_x.y") is None


def test_a_user_file_overrides_classes_and_packages(tmp_path: Path) -> None:
    shipped, user = tmp_path / "a.toml", tmp_path / "b.toml"
    shipped.write_text(CLIENT)
    user.write_text(
        '[[class]]\nname = "acme.Client"\nraises = []\nclosed = true\n'
        'subclasses = true\nsource = "https://acme.example/v2"\n'
        '[[package]]\nname = "acme"\nraises = ["ValueError"]\nclosed = true\n'
        'source = "https://acme.example/v2"\n'
    )
    kb = load_knowledge_base([shipped, user])
    client = kb.class_entry("acme.Client")
    assert client is not None
    assert (client.raises, client.closed, client.subclasses, client.methods, client.origin) == (
        (), True, True, {}, str(user)
    )
    package = kb.package_entry("acme.x")
    assert package is not None and package.raises == ("ValueError",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            '[[class]]\nname = "C"\nraises = []\nclosed = true\n',
            r"kb.toml: class\[0\] \(C\): 'source' is required",
            id="class without source",
        ),
        pytest.param(
            '[[class]]\nname = "C"\nraises = []\nclosed = true\nsource = "https://x"\n'
            "methods = { get = 1 }\n",
            r"kb.toml: class\[0\] \(C\): 'methods' must be a table of identifiers to "
            "non-empty strings",
            id="method type not a string",
        ),
        pytest.param(
            '[[class]]\nname = "C"\nraises = []\nclosed = true\nsource = "https://x"\n'
            'methods = { get = "" }\n',
            r"'methods' must be a table of identifiers to non-empty strings",
            id="method type empty",
        ),
        pytest.param(
            '[[class]]\nname = "C"\nraises = []\nclosed = true\nsource = "https://x"\n'
            'attributes = { "a.b" = "" }\n',
            r"'attributes' must be a table of identifiers to strings",
            id="dotted attribute",
        ),
        pytest.param(
            '[[class]]\nname = "C"\nraises = []\nclosed = true\nsource = "https://x"\n'
            'methods = { get = "R" }\nattributes = { get = "" }\n',
            r"class\[0\] \(C\): get listed as both method and attribute",
            id="method and attribute",
        ),
        pytest.param(
            '[[class]]\nname = "C"\nraises = []\nclosed = true\nsource = "https://x"\n'
            'subclasses = "yes"\n',
            r"class\[0\] \(C\): 'subclasses' must be true or false",
            id="subclasses not a bool",
        ),
        pytest.param(
            '[[class]]\nname = "C"\nraises = []\nsource = "https://x"\n',
            r"class\[0\] \(C\): 'closed' must be true or false",
            id="class without closed",
        ),
        pytest.param(
            '[[package]]\nname = "p"\nraises = []\nclosed = true\nsource = "https://x"\n'
            'returns = "p.R"\n',
            r"kb.toml: package\[0\]: unknown key\(s\) returns",
            id="package with returns",
        ),
        pytest.param(
            '[[package]]\nname = "p"\nraises = "p.Error"\nclosed = true\nsource = "https://x"\n',
            r"kb.toml: package\[0\] \(p\): 'raises' must be a list of strings",
            id="package raises not a list",
        ),
        pytest.param(
            '[class]\nname = "C"\n',
            r"kb.toml: 'class' must be an array of tables",
            id="class as a single table",
        ),
        pytest.param(
            '[[klass]]\nname = "C"\n',
            r"kb.toml: unknown table\(s\) klass",
            id="unknown kind",
        ),
    ],
)
def test_malformed_class_and_package_entries_name_file_and_entry(
    text: str, message: str
) -> None:
    with pytest.raises(KnowledgeBaseError, match=message):
        parse_knowledge(text, "kb.toml")
