"""Validates every FHIR response body the API tests captured against the FHIR models of the
`fhir.resources` package (R4B; its R4 when a version has one): unknown elements, wrong types,
missing required elements and bad dates all fail. Exits non-zero on any failure, and when
there is nothing to validate.

    python3 scripts/validate_fhir.py DIR
"""

import json
import pathlib
import sys

try:
    from fhir.resources.R4 import get_fhir_model_class  # type: ignore[import-not-found]
    release = "R4"
except ImportError:
    from fhir.resources.R4B import get_fhir_model_class
    release = "R4B"


def main() -> int:
    directory = pathlib.Path(sys.argv[1])
    files = sorted(directory.glob("*.json"))
    if not files:
        print(f"no FHIR responses in {directory}: the API tests captured nothing", file=sys.stderr)
        return 1
    failed = 0
    kinds: dict[str, int] = {}
    for path in files:
        body = json.loads(path.read_text(encoding="utf-8"))
        kind = body.get("resourceType", "?")
        try:
            get_fhir_model_class(kind).model_validate(body)
            kinds[kind] = kinds.get(kind, 0) + 1
        except Exception as error:  # noqa: BLE001 - every failure is reported, then counted
            failed += 1
            print(f"{path.name}: not a valid {release} {kind}:\n{error}", file=sys.stderr)
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    print(f"FHIR {release} validation: {len(files) - failed} of {len(files)} valid ({summary})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
