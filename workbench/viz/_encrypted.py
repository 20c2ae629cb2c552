"""Encrypted inference: cost per phase, ciphertext and key sizes, precision against the plaintext model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from workbench.errors import InvalidParameterError
from workbench.viz._style import color, new_figure

__all__ = [
    "encrypted_cost_figure",
    "encrypted_figures",
    "encrypted_precision_figure",
    "encrypted_sizes_figure",
    "encrypted_tradeoff_figure",
]

_PHASES = ("key_generation", "encrypt", "compute", "decrypt", "communication")


def _data(result: Any) -> Mapping[str, Any]:
    """The plain-data form (``EncryptedResult.to_dict()``) of a result, or the dict itself."""
    data = result.to_dict() if hasattr(result, "to_dict") else result
    if not isinstance(data, Mapping) or "cost" not in data or "metrics" not in data:
        raise InvalidParameterError(
            f"Encrypted-inference figures take an EncryptedResult or its to_dict(); got {type(result).__name__}."
        )
    return data


def _label(data: Mapping[str, Any]) -> str:
    return f"{data['scheme'].upper()} ({data['packing']}), {data['model']}"


def encrypted_cost_figure(result: Any) -> go.Figure:
    """Milliseconds per row of each phase, beside the plaintext model on the same rows.

    Examples
    --------
    >>> from workbench.viz import encrypted_cost_figure
    >>> phases = {p: {"seconds": 1.0, "ms_per_row": 0.1, "share": 0.2}
    ...           for p in ("key_generation", "encrypt", "compute", "decrypt", "communication")}
    >>> data = {"scheme": "ckks", "packing": "column", "model": "logreg", "metrics": {},
    ...         "cost": {"phases": phases, "plaintext_ms_per_row": 0.001, "end_to_end_ms_per_row": 0.3}}
    >>> [t.name for t in encrypted_cost_figure(data).data]
    ['encrypted', 'plaintext model']
    """
    data = _data(result)
    cost = data["cost"]
    names = [p.replace("_", " ") for p in _PHASES]
    values = [cost["phases"][p]["ms_per_row"] for p in _PHASES]
    shares = [cost["phases"][p]["share"] for p in _PHASES]
    fig = new_figure(
        f"Cost per phase: {_label(data)}, {cost['end_to_end_ms_per_row']:.3g} ms/row end to end",
        "phase",
        "milliseconds per row",
    )
    fig.add_trace(
        go.Bar(
            x=names,
            y=values,
            name="encrypted",
            marker_color=color(0),
            text=[f"{s:.0%}" for s in shares],
            textposition="outside",
            hovertemplate="%{x}: %{y:.4g} ms/row (%{text} of the time)<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(x=["plaintext"], y=[cost["plaintext_ms_per_row"]], name="plaintext model", marker_color=color(2))
    )
    return fig


def encrypted_sizes_figure(result: Any) -> go.Figure:
    """Bytes of one ciphertext, the evaluation keys the server gets, the secret key, and all traffic (log axis)."""
    data = _data(result)
    cost = data["cost"]
    sizes, traffic = cost["sizes"], cost["bytes"]
    items = {
        "one ciphertext": sizes.get("ciphertext", 0),
        "evaluation keys (server)": sizes.get("evaluation_keys", 0),
        "secret key (data owner)": sizes.get("secret_key", 0),
        "traffic per row": traffic.get("per_row", 0),
        "all traffic": traffic.get("total", 0),
    }
    items = {k: v for k, v in items.items() if v}
    fig = new_figure(f"Ciphertext, key and traffic sizes: {_label(data)}", "", "bytes (log scale)")
    fig.add_trace(
        go.Bar(
            x=list(items),
            y=list(items.values()),
            marker_color=[color(i) for i in range(len(items))],
            text=[_human(v) for v in items.values()],
            textposition="outside",
            showlegend=False,
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    fig.update_yaxes(type="log")
    return fig


def encrypted_precision_figure(result: Any) -> go.Figure:
    """Agreement of the decrypted decisions with the plaintext model, and the largest and mean score errors."""
    data = _data(result)
    m = data["metrics"]
    fig = new_figure(
        f"Precision: {float(m['agreement']):.2%} of decisions equal to plaintext; "
        f"{int(float(m['outside_range']))} scores outside the polynomial's range",
        "",
        "absolute error of the decrypted output (log scale)",
    )
    errors = {"max score error": m["max_score_error"], "mean score error": m["mean_score_error"]}
    fig.add_trace(
        go.Bar(
            x=list(errors),
            y=[max(float(v), 1e-16) for v in errors.values()],
            marker_color=[color(3), color(1)],
            text=[f"{float(v):.2e}" for v in errors.values()],
            textposition="outside",
            showlegend=False,
        )
    )
    fig.update_yaxes(type="log")
    return fig


def encrypted_figures(result: Any) -> dict[str, go.Figure]:
    """All figures of an encrypted-inference result, the cost breakdown first."""
    return {
        "cost": encrypted_cost_figure(result),
        "sizes": encrypted_sizes_figure(result),
        "precision": encrypted_precision_figure(result),
    }


def encrypted_tradeoff_figure(result: Any) -> go.Figure:
    """An ``"encrypted"`` sweep: cost (ms per row, log axis) against precision (largest score error, log axis),
    one point per CKKS scale; hover shows agreement, accuracy and bytes per row.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.viz import encrypted_tradeoff_figure
    >>> frame = pd.DataFrame({"technique": "encrypted", "parameter": "scale_bits", "value": [21.0, 40.0],
    ...                       "ms_per_row": [0.2, 0.25], "max_score_error": [3e-3, 5e-9], "agreement": [0.999, 1.0],
    ...                       "accuracy": [0.85, 0.85], "bytes_per_row": [3e3, 6e3]})
    >>> encrypted_tradeoff_figure(frame).data[0].text
    ('2^21', '2^40')
    """
    from workbench.viz._style import as_frame

    frame = as_frame(result)
    fig = new_figure("Encrypted inference: cost against precision", "ms per row (log scale)", "max score error (log)")
    hover = [
        f"scale 2^{v:g}<br>agreement {a:.4%}<br>accuracy {acc:.4f}<br>{_human(b)} per row"
        for v, a, acc, b in zip(
            frame["value"], frame["agreement"], frame["accuracy"], frame["bytes_per_row"], strict=True
        )
    ]
    fig.add_trace(
        go.Scatter(
            x=frame["ms_per_row"],
            y=frame["max_score_error"].clip(lower=1e-16),
            mode="markers+text+lines",
            text=tuple(f"2^{v:g}" for v in frame["value"]),
            textposition="top center",
            name="CKKS scale",
            marker={"color": color(0), "size": 10},
            hovertext=hover,
            hoverinfo="text",
        )
    )
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log")
    return fig


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} GB"
