"""Generated offences with exact times, as a CSP police extract would give them.

October 2021 to September 2024, calibrated to the CSP strategy figures quoted in
issue 2 (about 12,000 offences a year, violence 39.6%, Bluewater 13.3% of all
crime), with the mix of crime types, places and outcomes taken from the real
police.uk rows for Dartford (January to April 2024, shipped in demo/data/police_uk/).

The offences are built from parts, each with its own places and times:
- Bluewater: shoplifting and other theft in opening hours with weekend and December
  peaks, plus the other crime types police.uk records there;
- the town-centre night-time economy (NTE): violence on Friday and Saturday nights,
  20:00 to 04:00, on top of the background;
- domestic abuse: about a third of violence, at residential postcodes, evenings and
  weekends, outside the NTE;
- a few local hot spots that emerge or decline over the three years;
- the background: every type over the borough, weighted to where police.uk puts it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo import places, timing
from demo.police import Places, batch, choose, outcomes, yes_no

# --- calibration targets -------------------------------------------------------------

#: Offences a year, October to September (CSP strategy, issue 2: "about 12,000 offences a
#: year"); the middle demo year has exactly this many.
OFFENCES_PER_YEAR = 12_000
#: A slight rise, +2% a year (assumed; "a slight trend"): 11,760 / 12,000 / 12,240.
ANNUAL_TREND = 0.02
#: "Violence and sexual offences" share of offences (CSP strategy, issue 2: 39.6%).
VIOLENCE_SHARE = 0.396
#: Share of all offences inside the Bluewater focus area (CSP strategy, issue 2: 13.3%).
BLUEWATER_SHARE = 0.133
#: Share of violence that is the NTE's Friday/Saturday-night excess (assumed: chosen so
#: the excess is clear, about 280 offences a year; no published figure).
NTE_NIGHT_SHARE_OF_VIOLENCE = 0.06
#: Domestic abuse share of violence (issue 2 brief: "about a third of violence").
DOMESTIC_ABUSE_SHARE = 1 / 3

#: Rows per police.uk crime type for Dartford, January-April 2024: the Dartford rows
#: (2021 LSOA in Dartford) of the files in demo/data/police_uk/ (all forces; shared
#: data SOURCES.md section 1b gives the Dartford + Gravesham totals). ASB is left out
#: here (see demo/asb.py). Violence is rescaled to VIOLENCE_SHARE, the rest keep these
#: proportions.
POLICE_UK_COUNTS = {
    "Violence and sexual offences": 1470, "Shoplifting": 583, "Criminal damage and arson": 416,
    "Vehicle crime": 348, "Other theft": 268, "Public order": 204, "Burglary": 179, "Drugs": 123,
    "Other crime": 113, "Bicycle theft": 37, "Theft from the person": 29, "Possession of weapons": 27,
    "Robbery": 22,
}
#: The same rows inside the Bluewater focus area (ASB left out): the type mix of
#: Bluewater's offences.
BLUEWATER_COUNTS = {
    "Shoplifting": 352, "Violence and sexual offences": 57, "Public order": 19, "Other theft": 14,
    "Vehicle crime": 10, "Theft from the person": 7, "Criminal damage and arson": 7, "Other crime": 6,
    "Drugs": 6, "Burglary": 4, "Bicycle theft": 1, "Possession of weapons": 1,
}

#: Bluewater's opening hours by weekday, Monday first (centre's published standard
#: hours: 10:00-21:00 weekdays, 09:00-21:00 Saturday, 11:00-17:00 Sunday).
BLUEWATER_HOURS = ((10, 21), (10, 21), (10, 21), (10, 21), (10, 21), (9, 21), (11, 17))
#: Footfall weight per opening hour by weekday (weekend peak; assumed).
BLUEWATER_DAY_WEIGHT = (0.9, 0.9, 0.95, 1.0, 1.15, 1.6, 1.5)
#: Month multipliers at Bluewater: November (Black Friday) and December (Christmas).
BLUEWATER_MONTH_WEIGHT = {11: 1.25, 12: 1.7}
#: Restaurants and the cinema keep Bluewater busy after the shops close.
BLUEWATER_LATE_CLOSE = 23

#: Hour-of-day profiles (relative, 00:00 first).
HOUR_PROFILES = {
    "night": (5, 4, 3.5, 2.5, 1.5, 1, .8, 1, 1.5, 2, 2.3, 2.6, 2.9, 3, 3.1, 3.4, 3.8, 4.2, 4.6, 4.9, 5.1, 5.3, 5.4, 5.3),
    "day": (.1, .05, .05, .05, .05, .1, .3, .8, 1.8, 3, 4, 4.5, 4.8, 4.8, 4.7, 4.6, 4.5, 4.2, 3.6, 2.8, 2, 1.2, .6, .3),
    "evening": (3, 2.5, 2, 1.5, 1, .7, .7, 1, 1.6, 2, 2.2, 2.4, 2.6, 2.7, 2.8, 3, 3.3, 3.8, 4.4, 4.9, 5.2, 5.2, 4.8, 4),
    "overnight": (4, 4, 3.8, 3.5, 3, 2.5, 2, 1.6, 1.4, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2, 2.2, 2.5, 2.9, 3.2, 3.5, 3.8, 4, 4),
    "burglary": (2, 1.8, 1.6, 1.4, 1, .8, .8, 1, 1.5, 1.9, 2, 2.1, 2.1, 2.1, 2.2, 2.4, 2.8, 3.2, 3.5, 3.4, 3.1, 2.8, 2.5, 2.2),
    "flat": (1, .8, .6, .5, .4, .4, .6, 1, 1.5, 1.8, 2, 2.1, 2.2, 2.2, 2.2, 2.3, 2.4, 2.5, 2.5, 2.4, 2.2, 1.9, 1.6, 1.3),
}
#: Day-of-week profiles (Monday first).
DAY_PROFILES = {
    "weekend": (.85, .85, .9, 1, 1.25, 1.35, 1.1),
    "shops": (.95, .95, .95, 1, 1.05, 1.25, .9),
    "home": (1, .95, .95, .95, 1.05, 1.2, 1.25),
    "flat": (1, 1, 1, 1, 1, 1, 1),
}
#: Per crime type: hour profile, day profile, seasonal amplitude, day of year of the
#: seasonal peak (196 = mid July, 350 = mid December), and the share placed at
#: postcode centroids (residential crimes) rather than police.uk snap points. Assumed
#: from the usual shape of police recorded crime; not Dartford figures.
TYPE_PATTERNS = {
    "Violence and sexual offences": ("night", "weekend", 0.10, 196, 0.25),
    "Shoplifting": ("day", "shops", 0.08, 350, 0.05),
    "Criminal damage and arson": ("night", "weekend", 0.08, 196, 0.45),
    "Vehicle crime": ("overnight", "flat", 0.10, 340, 0.45),
    "Other theft": ("day", "flat", 0.06, 196, 0.20),
    "Public order": ("night", "weekend", 0.10, 196, 0.20),
    "Burglary": ("burglary", "flat", 0.12, 340, 0.75),
    "Drugs": ("night", "flat", 0.05, 196, 0.10),
    "Other crime": ("flat", "flat", 0.0, 1, 0.30),
    "Bicycle theft": ("day", "flat", 0.30, 196, 0.40),
    "Theft from the person": ("day", "shops", 0.05, 350, 0.05),
    "Possession of weapons": ("night", "weekend", 0.05, 196, 0.10),
    "Robbery": ("night", "flat", 0.10, 340, 0.10),
}
#: Domestic abuse: evenings and weekends, at home (postcode centroids outside the NTE).
DOMESTIC_PATTERN = ("evening", "home", 0.08, 196, 0.90)
#: NTE night hours 20:00-03:59, relative (peak around midnight to 02:00).
NTE_NIGHT_HOURS = {20: .4, 21: .6, 22: .9, 23: 1.2, 0: 1.5, 1: 1.5, 2: 1.2, 3: .7}
#: Nightclub snap points weigh this much more for NTE night violence.
NIGHTCLUB_WEIGHT = 4.0
#: Share of NTE night violence placed at postcode centroids (venues) rather than snap points.
NTE_POSTCODE_SHARE = 0.3

#: Local hot spots that emerge or decline over the three years, at real snap points
#: (matched on police.uk's own longitude/latitude text): (label, longitude, latitude,
#: crime type, offences a year at the start, offences a year at the end). Assumed, so
#: the change and emerging-hot-spot analyses have something real to find.
HOT_SPOT_TRENDS = (
    ("Greenhithe supermarket shoplifting (emerging)", "0.277039", "51.452456", "Shoplifting", 10, 150),
    ("Ebbsfleet station car park vehicle crime (emerging)", "0.322971", "51.441123", "Vehicle crime", 4, 90),
    ("Temple Hill burglary (emerging)", "0.237915", "51.453561", "Burglary", 2, 60),
    ("Dartford station theft (declining)", "0.219079", "51.447293", "Other theft", 120, 8),
    ("Moore Close criminal damage (declining)", "0.255951", "51.433125", "Criminal damage and arson", 80, 10),
)

#: Home Office offence group and offence descriptions per police.uk type, with weights
#: (assumed mix, typical of recorded crime).
OFFENCES = {
    "Violence and sexual offences": {
        ("Violence against the person", "Assault without injury"): 30,
        ("Violence against the person", "Assault with injury"): 20,
        ("Violence against the person", "Harassment"): 14,
        ("Violence against the person", "Malicious communications"): 11,
        ("Violence against the person", "Stalking"): 4,
        ("Violence against the person", "Assault with intent to cause serious harm"): 3,
        ("Violence against the person", "Threats to kill"): 3,
        ("Violence against the person", "Assault without injury on a constable"): 2,
        ("Sexual offences", "Sexual assault"): 6,
        ("Sexual offences", "Rape"): 3,
        ("Sexual offences", "Exposure and voyeurism"): 2,
        ("Sexual offences", "Other sexual offences"): 2,
    },
    "domestic": {
        ("Violence against the person", "Assault without injury"): 33,
        ("Violence against the person", "Assault with injury"): 20,
        ("Violence against the person", "Controlling or coercive behaviour"): 12,
        ("Violence against the person", "Harassment"): 12,
        ("Violence against the person", "Stalking"): 8,
        ("Violence against the person", "Malicious communications"): 8,
        ("Violence against the person", "Threats to kill"): 3,
        ("Sexual offences", "Sexual assault"): 2,
        ("Sexual offences", "Rape"): 2,
    },
    "nte": {
        ("Violence against the person", "Assault with injury"): 45,
        ("Violence against the person", "Assault without injury"): 35,
        ("Violence against the person", "Assault with intent to cause serious harm"): 8,
        ("Violence against the person", "Assault without injury on a constable"): 5,
        ("Sexual offences", "Sexual assault"): 5,
        ("Violence against the person", "Harassment"): 2,
    },
    "Shoplifting": {("Theft offences", "Shoplifting"): 1},
    "Other theft": {
        ("Theft offences", "Other theft"): 55, ("Theft offences", "Making off without payment"): 25,
        ("Theft offences", "Theft by an employee"): 5,
        ("Theft offences", "Theft in a dwelling other than from an automatic machine or meter"): 15,
    },
    "Theft from the person": {("Theft offences", "Theft from the person"): 1},
    "Bicycle theft": {("Theft offences", "Bicycle theft"): 1},
    "Vehicle crime": {
        ("Theft offences", "Theft from a vehicle"): 55,
        ("Theft offences", "Theft or unauthorised taking of a motor vehicle"): 30,
        ("Theft offences", "Interfering with a motor vehicle"): 15,
    },
    "Burglary": {("Burglary", "Burglary - residential"): 75, ("Burglary", "Burglary - business and community"): 25},
    "Robbery": {("Robbery", "Robbery of personal property"): 88, ("Robbery", "Robbery of business property"): 12},
    "Criminal damage and arson": {
        ("Criminal damage and arson", "Criminal damage to a vehicle"): 35,
        ("Criminal damage and arson", "Criminal damage to a dwelling"): 30,
        ("Criminal damage and arson", "Criminal damage to a building other than a dwelling"): 15,
        ("Criminal damage and arson", "Other criminal damage"): 15,
        ("Criminal damage and arson", "Arson not endangering life"): 4,
        ("Criminal damage and arson", "Arson endangering life"): 1,
    },
    "Public order": {
        ("Public order offences", "Public fear, alarm or distress"): 85,
        ("Public order offences", "Other offences against the State or public order"): 10,
        ("Public order offences", "Violent disorder"): 5,
    },
    "Drugs": {
        ("Drug offences", "Possession of cannabis"): 55, ("Drug offences", "Possession of other drugs"): 20,
        ("Drug offences", "Trafficking in controlled drugs"): 25,
    },
    "Possession of weapons": {
        ("Possession of weapons offences", "Possession of article with blade or point"): 70,
        ("Possession of weapons offences", "Possession of other weapons"): 25,
        ("Possession of weapons offences", "Possession of firearms offences"): 5,
    },
    "Other crime": {
        ("Miscellaneous crimes against society", "Breach of a protective order"): 30,
        ("Miscellaneous crimes against society", "Handling stolen goods"): 15,
        ("Miscellaneous crimes against society", "Perverting the course of justice"): 10,
        ("Miscellaneous crimes against society", "Going equipped for stealing"): 10,
        ("Miscellaneous crimes against society", "Other notifiable offences"): 35,
    },
}
#: Hate-flag rates by type (assumed; "hate rare"). A hate-flagged public-order offence
#: is recorded as the racially or religiously aggravated offence.
HATE_RATE = {"Violence and sexual offences": 0.015, "Public order": 0.10, "Criminal damage and arson": 0.01}
HATE_PUBLIC_ORDER = "Racially or religiously aggravated public fear, alarm or distress"
#: Domestic-abuse flag rates for types other than violence (assumed).
DOMESTIC_OTHER_RATE = {"Criminal damage and arson": 0.10, "Public order": 0.05, "Other crime": 0.10}
#: Alcohol-related rates (assumed; "high in the NTE at night").
ALCOHOL_RATE = {"nte_night": 0.70, "nte_evening": 0.45, "evening": 0.20, "day": 0.06, "domestic": 0.25}

SEED = 2021_10_01


def per_year() -> list[int]:
    """Offences per demo year: OFFENCES_PER_YEAR with ANNUAL_TREND, middle year exact."""
    return [round(OFFENCES_PER_YEAR * (1 + ANNUAL_TREND * (y - 1))) for y in range(len(timing.YEARS))]


def type_shares() -> dict[str, float]:
    """Share of offences per police.uk type: violence VIOLENCE_SHARE, the rest as police.uk."""
    rest = {t: c for t, c in POLICE_UK_COUNTS.items() if t != "Violence and sexual offences"}
    total = sum(rest.values())
    return {"Violence and sexual offences": VIOLENCE_SHARE,
            **{t: (1 - VIOLENCE_SHARE) * c / total for t, c in rest.items()}}


def hour_weight(grid: timing.Grid, hours: str, days: str, amplitude: float, peak: float) -> np.ndarray:
    h = np.asarray(HOUR_PROFILES[hours])[grid.hour]
    d = np.asarray(DAY_PROFILES[days])[grid.dow]
    return h * d * grid.seasonal(amplitude, peak)


def bluewater_weight(grid: timing.Grid, late: bool) -> np.ndarray:
    """Opening hours (to BLUEWATER_LATE_CLOSE when ``late``), weekend and December peaks."""
    opens = np.array([o for o, _ in BLUEWATER_HOURS])[grid.dow]
    closes = np.array([c for _, c in BLUEWATER_HOURS])[grid.dow]
    if late:
        closes = np.maximum(closes, BLUEWATER_LATE_CLOSE)
    open_now = (grid.hour >= opens) & (grid.hour < closes)
    midday = 1.0 + 0.5 * np.exp(-0.5 * ((grid.hour - 14.5) / 2.5) ** 2)
    month = np.ones(len(grid))
    for m, w in BLUEWATER_MONTH_WEIGHT.items():
        month[grid.month == m] = w
    return open_now * midday * np.asarray(BLUEWATER_DAY_WEIGHT)[grid.dow] * month


def nte_night_weight(grid: timing.Grid) -> np.ndarray:
    hours = np.zeros(24)
    for h, w in NTE_NIGHT_HOURS.items():
        hours[h] = w
    christmas = np.where(grid.month == 12, 1.3, 1.0)
    return grid.fri_sat_night() * hours[grid.hour] * grid.seasonal(0.10, 196) * christmas


def _places(crime_type: str, postcode_share: float, *, residential: bool = False) -> Places:
    """Background places for a type: snap points weighted by police.uk's rows of that type
    (plus a little of all crime so every street can have any type), and postcode
    centroids weighted by their LSOA's rows of that type. Never near Bluewater."""
    snaps = places.snap_points()
    snaps = snaps[~snaps["near_bluewater"]]
    pcs = places.postcode_centroids()
    pcs = pcs[~pcs["near_bluewater"]]
    if residential:
        snaps = snaps[~snaps["poi"] & ~snaps["nte"]]
        pcs = pcs[~pcs["nte"] & ~pcs["industrial"]]
    snap_w = snaps[crime_type] + 0.1 * snaps["total"] + 0.2
    pc_w = places.lsoa_weights(pcs, places.lsoa_counts(crime_type))
    return Places.mix((Places.of(snaps, snap_w), 1 - postcode_share), (Places.of(pcs, pc_w), postcode_share))


def bluewater_places() -> Places:
    """Bluewater: its snap points (the "Shopping Area" point takes most, as in police.uk) and
    the postcode centroids of the centre's units, all safely inside the focus area."""
    snaps = places.snap_points()
    snaps = snaps[snaps["bluewater"]]
    pcs = places.postcode_centroids()
    pcs = pcs[pcs["bluewater"]]
    return Places.mix((Places.of(snaps, snaps["total"] + 1.0), 0.6), (Places.of(pcs, np.ones(len(pcs))), 0.4))


def nte_places() -> Places:
    snaps = places.snap_points()
    snaps = snaps[snaps["nte"]]
    w = (snaps["Violence and sexual offences"] + 1.0) * np.where(snaps["street"] == "Nightclub", NIGHTCLUB_WEIGHT, 1.0)
    pcs = places.postcode_centroids()
    pcs = pcs[pcs["nte"]]
    return Places.mix((Places.of(snaps, w), 1 - NTE_POSTCODE_SHARE), (Places.of(pcs, np.ones(len(pcs))), NTE_POSTCODE_SHARE))


def hot_spot(label: str, lon: str, lat: str) -> Places:
    snaps = places.snap_points()
    at = snaps[(snaps["Longitude"] == lon) & (snaps["Latitude"] == lat)]
    if len(at) != 1:
        raise ValueError(f"hot spot {label!r}: no police.uk snap point at {lon}, {lat}")
    return Places.of(at, np.ones(1))


def generate(grid: timing.Grid | None = None, seed: int = SEED) -> pd.DataFrame:
    """Every generated offence: one row each, with a ``component`` column saying which part
    made it (not written to the CSV)."""
    grid = grid or timing.make_grid()
    rng = np.random.default_rng(seed)
    years = per_year()
    shares = type_shares()
    alloc = np.array([timing.allocate(n, list(shares.values())) for n in years])  # years x types
    totals = {t: alloc[:, i].copy() for i, t in enumerate(shares)}
    violence = "Violence and sexual offences"
    all_violence = totals[violence].copy()
    parts = []

    # Bluewater.
    bw_total = [round(n * BLUEWATER_SHARE) for n in years]
    bw_alloc = np.array([timing.allocate(n, list(BLUEWATER_COUNTS.values())) for n in bw_total])
    bw_where = bluewater_places()
    for i, t in enumerate(BLUEWATER_COUNTS):
        thefts = t in ("Shoplifting", "Other theft", "Theft from the person")
        parts.append(batch(rng, grid, bluewater_weight(grid, late=not thefts), bw_alloc[:, i], bw_where,
                           crime_type=t, component="bluewater"))
        totals[t] = totals[t] - bw_alloc[:, i]

    # The NTE's Friday/Saturday-night violence.
    nte_n = np.array([round(v * NTE_NIGHT_SHARE_OF_VIOLENCE) for v in all_violence])
    parts.append(batch(rng, grid, nte_night_weight(grid), nte_n, nte_places(), crime_type=violence, component="nte_night"))
    totals[violence] = totals[violence] - nte_n

    # Domestic abuse: a third of all violence.
    da_n = np.array([round(v * DOMESTIC_ABUSE_SHARE) for v in all_violence])
    hours, days, amp, peak, pc_share = DOMESTIC_PATTERN
    parts.append(batch(rng, grid, hour_weight(grid, hours, days, amp, peak), da_n,
                       _places(violence, pc_share, residential=True), crime_type=violence, component="domestic"))
    totals[violence] = totals[violence] - da_n

    # Emerging and declining hot spots.
    for label, lon, lat, t, start, end in HOT_SPOT_TRENDS:
        hours, days, amp, peak, _ = TYPE_PATTERNS[t]
        rate = timing.ramp(grid, start, end)
        n = np.array([round(x) for x in timing.expected_per_year(grid, rate)])
        weight = rate * hour_weight(grid, hours, days, amp, peak)
        parts.append(batch(rng, grid, weight, n, hot_spot(label, lon, lat), crime_type=t, component=f"trend:{label}"))
        totals[t] = totals[t] - n

    # The background.
    for t, (hours, days, amp, peak, pc_share) in TYPE_PATTERNS.items():
        if (totals[t] < 0).any():
            raise ValueError(f"{t}: the parts above take more than the type's total ({totals[t]})")
        parts.append(batch(rng, grid, hour_weight(grid, hours, days, amp, peak), totals[t],
                           _places(t, pc_share), crime_type=t, component="background"))

    frame = pd.concat(parts, ignore_index=True)
    return _attributes(rng, frame)


def _attributes(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    """Offence group and description, flags and outcome for every row."""
    n = len(frame)
    ctype = frame["crime_type"].to_numpy(object)
    comp = frame["component"].to_numpy(object)
    hour = pd.DatetimeIndex(frame["occurred_at"]).hour.to_numpy()
    in_nte = places.in_area("nte", frame["easting"], frame["northing"])
    domestic = comp == "domestic"

    group = np.empty(n, dtype=object)
    offence = np.empty(n, dtype=object)
    for key in sorted(set(ctype)) + ["domestic", "nte"]:
        if key == "domestic":
            rows = np.flatnonzero(domestic)
        elif key == "nte":
            rows = np.flatnonzero(comp == "nte_night")
        else:
            rows = np.flatnonzero((ctype == key) & ~domestic & (comp != "nte_night"))
        options = OFFENCES[key]
        picked = choose(rng, {f"{g}\t{o}": w for (g, o), w in options.items()}, len(rows))
        split = [p.split("\t") for p in picked]
        group[rows] = [g for g, _ in split]
        offence[rows] = [o for _, o in split]

    other_da = np.array([DOMESTIC_OTHER_RATE.get(t, 0.0) for t in ctype])
    da_flag = domestic | ((ctype != "Violence and sexual offences") & (rng.random(n) < other_da))

    evening = (hour >= 18) | (hour < 4)
    rate = np.where(evening, ALCOHOL_RATE["evening"], ALCOHOL_RATE["day"])
    rate = np.where(in_nte & evening, ALCOHOL_RATE["nte_evening"], rate)
    rate = np.where(comp == "nte_night", ALCOHOL_RATE["nte_night"], rate)
    rate = np.where(domestic, ALCOHOL_RATE["domestic"], rate)
    violent = np.isin(ctype, ["Violence and sexual offences", "Public order", "Criminal damage and arson"])
    alcohol = violent & (rng.random(n) < rate)

    hate = rng.random(n) < np.array([HATE_RATE.get(t, 0.0) for t in ctype])
    offence = np.where(hate & (ctype == "Public order"), HATE_PUBLIC_ORDER, offence)

    frame["offence_group"] = group
    frame["offence"] = offence
    frame["domestic_abuse"] = yes_no(da_flag)
    frame["alcohol_related"] = yes_no(alcohol)
    frame["hate"] = yes_no(hate)
    frame["outcome"] = outcomes(rng, ctype, frame["occurred_at"].to_numpy())
    return frame
