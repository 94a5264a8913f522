#!/usr/bin/env python3
"""Summarise a schemathesis NDJSON report per API operation.

For every operation: how many generated requests (by generation mode) the API answered with 2xx,
with 404/409 (the request was well formed but the resource was missing or busy), with 400/422
(refused as invalid: the OpenAPI document promised something the API does not take), other 4xx,
and 5xx. The most frequent refusal messages show which constraint the document is missing.

Usage: openapi_fuzz_summary.py REPORT.ndjson [--mode positive|negative|all] [--phase fuzzing] [--reasons N]
"""
import argparse
import base64
import collections
import json
import sys


def interactions(path):
    """Yields (label, mode, phase, status, body) for every request the report recorded."""
    with open(path) as f:
        for line in f:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished.get("recorder", {})
            label = recorder.get("label", "?")
            cases = recorder.get("cases", {})
            for case_id, interaction in recorder.get("interactions", {}).items():
                response = interaction.get("response")
                if not response:
                    continue
                case = cases.get(case_id, {}).get("value", {})
                if case.get("method") and case.get("path"):
                    label = f"{case['method']} {case['path']}"
                meta = case.get("meta") or {}
                mode = (meta.get("generation") or {}).get("mode", "?")
                phase = (meta.get("phase") or {}).get("name", "?")
                content = response.get("content") or {}
                body = base64.b64decode(content["$base64"]).decode("utf-8", "replace") if "$base64" in content else ""
                yield label, mode, phase, response["status_code"], body


def bucket(status):
    if 200 <= status < 300:
        return "2xx"
    if status in (404, 409):
        return "404/409"
    if status in (400, 422):
        return "400/422"
    if 400 <= status < 500:
        return "other4xx"
    return "5xx" if status >= 500 else "other"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("--mode", default="positive", choices=["positive", "negative", "all"])
    parser.add_argument("--phase", default="all", help="only requests of this phase: examples, coverage, fuzzing, stateful")
    parser.add_argument("--reasons", type=int, default=0, help="show the N most frequent 400/422 messages per operation")
    args = parser.parse_args()

    counts = collections.defaultdict(collections.Counter)
    reasons = collections.defaultdict(collections.Counter)
    for label, mode, phase, status, body in interactions(args.report):
        if args.mode != "all" and mode != args.mode:
            continue
        if args.phase != "all" and phase != args.phase:
            continue
        counts[label][bucket(status)] += 1
        if status in (400, 422):
            reasons[label][body[:160]] += 1

    columns = ["2xx", "404/409", "400/422", "other4xx", "5xx"]
    print(f"{'operation':45} " + " ".join(f"{c:>9}" for c in columns) + "  refused%")
    totals = collections.Counter()
    for label in sorted(counts):
        c = counts[label]
        totals.update(c)
        n = sum(c.values())
        refused = 100.0 * c["400/422"] / n if n else 0
        print(f"{label:45} " + " ".join(f"{c[col]:>9}" for col in columns) + f"  {refused:7.1f}")
        for message, times in reasons[label].most_common(args.reasons):
            print(f"      {times:4} x {message}")
    n = sum(totals.values())
    print(f"{'total':45} " + " ".join(f"{totals[col]:>9}" for col in columns)
          + f"  {100.0 * totals['400/422'] / n if n else 0:7.1f}")


if __name__ == "__main__":
    sys.exit(main())
