"""Build the compressed copies of the bundled datasets shipped in ``workbench/datasets/data/``.

Run from the repository root: ``python scripts/build_datasets.py [path/to/shared/data/adult]``.
The raw UCI Adult files (CC BY 4.0) are read, checked against their published SHA-256, and written as one
zstd-compressed Parquet file with a ``split`` column. The synthetic "patients" identifiers are generated here,
once, from a fixed seed, so the shipped file does not change with the Faker version installed by a user.
"""

from __future__ import annotations

import hashlib
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ADULT_SHA256 = {
    "adult.data": "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d",
    "adult.test": "a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05",
}
COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week", "native-country", "income",
]  # fmt: skip
OUT = Path(__file__).resolve().parents[1] / "workbench" / "datasets" / "data"
PATIENT_ROWS = 5000
PATIENT_SEED = 20240601
CENSUS_DAY = date(1994, 7, 1)


def read_adult(folder: Path) -> pd.DataFrame:
    parts = []
    for split, filename, skip in (("train", "adult.data", 0), ("test", "adult.test", 1)):
        raw = (folder / filename).read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != ADULT_SHA256[filename]:
            sys.exit(f"{filename}: sha256 {digest} does not match the published {ADULT_SHA256[filename]}")
        part = pd.read_csv(
            folder / filename, header=None, names=COLUMNS, skiprows=skip, sep=",", skipinitialspace=True,
            na_values="?", keep_default_na=False,
        )  # fmt: skip
        part = part.dropna(how="all")
        part["income"] = part["income"].str.rstrip(".")
        part["split"] = split
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    for col in frame.columns:
        if frame[col].dtype == object or str(frame[col].dtype).startswith("str"):
            frame[col] = frame[col].astype("category")
        else:
            frame[col] = frame[col].astype("int64")
    return frame


def make_patients(adult: pd.DataFrame) -> pd.DataFrame:
    from faker import Faker

    rng = np.random.default_rng(PATIENT_SEED)
    fake = Faker("en_US")
    Faker.seed(PATIENT_SEED)
    rows = adult.sample(n=PATIENT_ROWS, random_state=PATIENT_SEED).reset_index(drop=True)
    names, emails, phones, dobs, zips, ssns = [], [], [], [], [], []
    for age in rows["age"]:
        first, last = fake.first_name(), fake.last_name()
        names.append(f"{first} {last}")
        emails.append(f"{first}.{last}{rng.integers(1, 99)}@{fake.free_email_domain()}".lower())
        phones.append(fake.numerify("(###) ###-####").replace("(0", "(2").replace("(1", "(3"))
        birthday = CENSUS_DAY - timedelta(days=int(age) * 365 + int(rng.integers(0, 365)) + int(age) // 4)
        dobs.append(birthday)
        zips.append(fake.zipcode())
        ssns.append(fake.ssn())
    ids = pd.DataFrame(
        {"name": names, "email": emails, "phone": phones, "date_of_birth": pd.to_datetime(dobs),
         "zip": zips, "ssn": ssns}
    )  # fmt: skip
    patients = pd.concat([ids, rows], axis=1)
    for col in ("name", "email", "phone", "zip", "ssn"):
        patients[col] = patients[col].astype("string")
    return patients


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared/data/adult"
    OUT.mkdir(parents=True, exist_ok=True)
    adult = read_adult(folder)
    adult.to_parquet(OUT / "adult.parquet", compression="zstd", compression_level=19, index=False)
    make_patients(adult).to_parquet(OUT / "patients.parquet", compression="zstd", compression_level=19, index=False)
    for name in ("adult.parquet", "patients.parquet"):
        print(name, (OUT / name).stat().st_size, hashlib.sha256((OUT / name).read_bytes()).hexdigest())


if __name__ == "__main__":
    main()
