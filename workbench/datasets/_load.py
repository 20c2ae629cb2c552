"""``load_dataset`` and ``available_datasets``: bundled names, files, URLs and DataFrames become a Dataset."""

from __future__ import annotations

import hashlib
import os
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from workbench._validation import (
    InstanceOf,
    Interval,
    Optional,
    Sha256,
    check_table,
    close_matches,
    validate_params,
)
from workbench.datasets._bundled import BUNDLED
from workbench.datasets._dataset import Dataset, Provenance
from workbench.datasets._roles import check_roles, roles_from_arguments
from workbench.errors import (
    DataSourceError,
    EmptyDataError,
    InvalidParameterError,
    UnknownNameError,
)
from workbench.roles import Role

__all__ = ["available_datasets", "load_dataset"]

_READERS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}


def available_datasets() -> pd.DataFrame:
    """The datasets that ship with workbench, with their size, target and licence.

    Examples
    --------
    >>> import workbench as wb
    >>> list(wb.available_datasets().index)
    ['adult', 'diabetes', 'patients']
    """
    rows = [
        {"name": s.name, "target": s.target, "licence": s.provenance.licence, "description": s.description}
        for s in BUNDLED.values()
    ]
    return pd.DataFrame(rows).set_index("name")


def load_dataset(
    source: str | os.PathLike | pd.DataFrame,
    *,
    target: str | None = None,
    identifiers: Iterable[str] | None = None,
    quasi_identifiers: Iterable[str] | None = None,
    sensitive: Iterable[str] | None = None,
    name: str | None = None,
    sha256: str | None = None,
    test_size: float = 0.2,
    seed: int = 0,
    max_download_mb: float = 500,
) -> Dataset:
    """Load a bundled dataset, a CSV or Parquet file, an http(s) URL, or a DataFrame as a :class:`Dataset`.

    Parameters
    ----------
    source : str, path or DataFrame
        ``"adult"``, ``"diabetes"``, ``"patients"`` (see :func:`available_datasets`); a ``.csv``/``.parquet``
        path; an ``http(s)://`` URL (downloaded once into ``$WORKBENCH_CACHE`` or ``~/.cache/privacy-workbench``);
        or a DataFrame, which is copied and never modified.
    target : str, optional
        The column a model predicts. Bundled datasets preset one.
    identifiers, quasi_identifiers, sensitive : list of str, optional
        Column roles. What you pass always wins over presets and over :func:`workbench.infer_roles`, which
        guesses the roles of user data.
    name : str, optional
        A name for the dataset (default: the file name or ``"dataframe"``).
    sha256 : str, optional
        Expected SHA-256 (64 hex digits) of a file or URL; a mismatch raises
        :class:`~workbench.errors.DataSourceError`. A download that fails it is deleted, never cached, so a later
        load of the same URL (with or without a checksum) downloads it again.
    test_size : float, default=0.2
        Share of rows held out as test data when the source has no split of its own.
    seed : int, default=0
        Seed of that split (stratified on the target when it is categorical).
    max_download_mb : float, default=500
        Largest download accepted from a URL, in megabytes (10^6 bytes). Downloads are streamed to disk; a larger
        one is stopped, deleted, and raises :class:`~workbench.errors.DataSourceError`.

    Returns
    -------
    Dataset

    Raises
    ------
    UnknownNameError
        Unknown bundled name (close matches are listed).
    DataSourceError
        Missing or unreadable file, failed download, checksum mismatch.
    UnknownColumnError, RoleError, EmptyDataError
        Roles naming unknown columns or one column twice; a target with one class; an empty table.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.load_dataset("adult")
    >>> ds.frame.shape
    (48842, 15)
    >>> ds.roles["income"]
    <Role.TARGET: 'target'>
    >>> import pandas as pd
    >>> small = wb.load_dataset(pd.DataFrame({"age": [30, 40, 50, 60] * 5, "y": [0, 1] * 10}), target="y")
    >>> len(small.train), len(small.test)
    (16, 4)
    """
    validate_params(
        "load_dataset",
        {
            "test_size": Interval(float, 0, 1, closed="neither"),
            "seed": Interval(int, 0),
            "sha256": Optional(Sha256()),
            "max_download_mb": Interval(float, 0, None, closed="neither"),
            "name": Optional(InstanceOf(str, "a str")),
        },
        {"test_size": test_size, "seed": seed, "sha256": sha256, "max_download_mb": max_download_mb, "name": name},
    )
    if isinstance(source, pd.DataFrame):
        frame, default_name, provenance, split = source.copy(deep=True), "dataframe", Provenance("DataFrame"), None
        defaults, preset_target, description = None, None, "A user-supplied DataFrame."
    elif isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if text in BUNDLED:
            bundled = BUNDLED[text]
            frame, default_name, provenance = bundled.read(), bundled.name, bundled.provenance
            defaults, preset_target, description = bundled.roles, bundled.target, bundled.description
            split = frame.pop(bundled.split_column) if bundled.split_column else None
        else:
            frame, default_name, provenance = _read_source(text, sha256, max_download_mb)
            defaults, preset_target, description, split = None, None, f"Loaded from {provenance.origin}.", None
    else:
        raise InvalidParameterError(
            f"The 'source' parameter of load_dataset must be a dataset name, a path, a URL or a DataFrame; "
            f"got {type(source).__name__}."
        )
    frame = _tidy(frame)
    if defaults is None:
        from workbench.roles import infer_roles

        defaults = {col: guess.role for col, guess in infer_roles(frame).items()}
    roles = roles_from_arguments(
        frame,
        target=target,
        identifiers=identifiers,
        quasi_identifiers=quasi_identifiers,
        sensitive=sensitive,
        defaults=defaults,
    )
    chosen_target = target if target is not None else preset_target
    if chosen_target is not None:
        roles[chosen_target] = Role.TARGET
    check_roles(frame, roles, chosen_target)
    train_idx, test_idx = _split(frame, split, chosen_target, test_size, seed)
    return Dataset(
        frame=frame,
        train=frame.iloc[train_idx],
        test=frame.iloc[test_idx],
        roles=roles,
        target=chosen_target,
        name=name or default_name,
        description=description,
        source=provenance,
    )


def _unknown_name(text: str) -> UnknownNameError:
    matches = close_matches(text, list(BUNDLED))
    hint = f" Did you mean {matches[0]!r}?" if matches else ""
    return UnknownNameError(
        f"Unknown dataset {text!r}: it is neither a bundled dataset ({', '.join(BUNDLED)}) nor an existing "
        f".csv/.parquet file or URL.{hint}"
    )


def _read_source(text: str, sha256: str | None, max_download_mb: float) -> tuple[pd.DataFrame, str, Provenance]:
    try:
        scheme = urllib.parse.urlparse(text).scheme
    except ValueError as exc:  # e.g. "http://[::1/x.csv": Invalid IPv6 URL
        raise DataSourceError(f"{text!r} is not a valid URL ({exc}); check the address.") from None
    if scheme in ("http", "https"):
        path = _download(text, sha256, max_download_mb)
        origin = text
    else:
        path = Path(text).expanduser()
        if not path.suffix and not path.exists():
            raise _unknown_name(text)
        if not path.exists():
            raise DataSourceError(f"No file at {str(path)!r}: check the path (the working directory is {os.getcwd()}).")
        if not path.is_file():
            raise DataSourceError(f"{str(path)!r} is a folder, not a file: give the .csv or .parquet file inside it.")
        origin = str(path)
    digest = _file_sha256(path)
    if sha256 is not None and digest != sha256.lower():
        raise DataSourceError(f"{origin!r} has sha256 {digest}, not the expected {sha256}; the file changed.")
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise DataSourceError(f"Cannot read {path.name!r}: use a .csv, .tsv or .parquet file, or pass a DataFrame.")
    try:
        if kind == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, sep="\t" if kind == "tsv" else None, engine="python", na_values=["?"])
    except Exception as exc:  # pandas and pyarrow raise many types for a bad file (undecodable text included)
        message = " ".join(str(exc).split())[:200]
        raise DataSourceError(f"Cannot read {path.name!r} as {kind}: {message}") from None
    return frame, path.stem, Provenance(origin=origin, sha256=digest)


def _file_sha256(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        raise DataSourceError(f"Cannot read {str(path)!r}: {exc.strerror or exc}; check its permissions.") from None


def _cache_dir() -> Path:
    return Path(os.environ.get("WORKBENCH_CACHE", Path.home() / ".cache" / "privacy-workbench"))


def _download(url: str, sha256: str | None, max_download_mb: float) -> Path:
    """The cached copy of ``url``; downloaded (streamed to disk, at most ``max_download_mb``) when absent or when it
    fails ``sha256``. Only a download that passes its checksum (or had none) enters the cache; a cached file that
    fails a checksum is removed, so no later load uses it."""
    try:
        suffix = Path(urllib.parse.urlparse(url).path).suffix or ".csv"
    except ValueError as exc:
        raise DataSourceError(f"{url!r} is not a valid URL ({exc}); check the address.") from None
    target = _cache_dir() / (hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:16] + suffix)
    if target.is_file():
        if sha256 is None or _file_sha256(target) == sha256.lower():
            return target
        target.unlink()  # it fails the checksum asked for now: never use it again
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    try:
        digest = _stream(url, partial, max_download_mb * 1_000_000)
        if sha256 is not None and digest != sha256.lower():
            raise DataSourceError(
                f"{url!r} has sha256 {digest}, not the expected {sha256}; the download was discarded. Check the "
                "address and the checksum."
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _stream(url: str, destination: Path, limit: float) -> str:
    """Copy ``url`` into ``destination`` chunk by chunk, at most ``limit`` bytes; return its SHA-256."""
    import http.client

    digest, size = hashlib.sha256(), 0
    too_big = DataSourceError(
        f"{url!r} is larger than max_download_mb={limit / 1_000_000:g}; raise max_download_mb to load it."
    )
    try:
        with urllib.request.urlopen(url, timeout=60) as response, destination.open("wb") as out:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > limit:
                raise too_big
            while chunk := response.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise too_big
                digest.update(chunk)
                out.write(chunk)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        if isinstance(exc, DataSourceError):
            raise
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise DataSourceError(f"Could not download {url!r}: {reason}. Check the address or your connection.") from None
    return digest.hexdigest()


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Fresh RangeIndex, string column names, categoricals for low-cardinality text columns."""
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise EmptyDataError(
            f"The table is empty ({frame.shape[0]} rows × {frame.shape[1]} columns); load a table with data."
        )
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    check_table(frame, "load_dataset")
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            distinct = series.nunique(dropna=True)
            if distinct <= max(2, min(100, len(series) // 2)) and not _looks_like_identifier(series):
                frame[col] = series.astype("category")
    return frame


def _looks_like_identifier(series: pd.Series) -> bool:
    values = series.dropna()
    return len(values) > 0 and values.nunique() / len(values) > 0.9


def _split(
    frame: pd.DataFrame, split: pd.Series | None, target: str | None, test_size: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    if split is not None:
        is_test = np.asarray(split == "test")
        return np.flatnonzero(~is_test), np.flatnonzero(is_test)
    n = len(frame)
    n_test = round(n * test_size)
    if n_test < 1 or n_test >= n:
        raise EmptyDataError(f"A table of {n} rows cannot be split with test_size={test_size}; load more rows.")
    from sklearn.model_selection import train_test_split

    stratify = None
    if target is not None and not pd.api.types.is_float_dtype(frame[target]):
        values = frame[target]
        counts = values.value_counts(dropna=False)  # rows without a target are a stratum of their own
        if counts.min() >= 2 and len(counts) <= n_test:
            stratify = values.astype(object).where(values.notna(), "<missing>").astype(str).to_numpy()
    train_idx, test_idx = train_test_split(np.arange(n), test_size=n_test, random_state=seed, stratify=stratify)
    return np.sort(train_idx), np.sort(test_idx)


def bundled_provenance(name: str) -> Provenance | None:
    """The provenance of the bundled dataset ``name`` (None if there is none): a dataset whose ``source`` equals it
    was loaded as shipped, so its published schema is public knowledge.

    Parameters
    ----------
    name : str
        A dataset name, e.g. ``"adult"``, or a dataset's ``source``.

    Returns
    -------
    Provenance or None
        Where the bundled dataset comes from (its licence among the rest), or None if ``name`` is not bundled.

    Examples
    --------
    >>> bundled_provenance("adult").licence
    'CC BY 4.0'
    >>> bundled_provenance("mine") is None
    True
    """
    from workbench.datasets._bundled import BUNDLED

    source = BUNDLED.get(name)
    return None if source is None else source.provenance
