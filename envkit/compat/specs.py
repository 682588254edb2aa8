"""Comparing version ranges: does one SpecifierSet lie inside another, or overlap it?

packaging answers "is this version in the set"; the rules need set relations. They are decided on
probe versions: every version either set mentions, plus its neighbours, which is exact for the
bounds recipes and guards use (==, <, <=, >, >=, !=).
"""

from __future__ import annotations

from packaging.specifiers import SpecifierSet
from packaging.version import Version


def _neighbours(version: Version) -> list[Version]:
    major, minor, micro = ([*version.release, 0, 0])[:3]
    found = [
        version,
        Version(f"{version.base_version}.post1"),
        Version(f"{major}.{minor}.{micro + 1}"),
        Version(f"{major}.{minor + 1}"),
        Version(f"{major + 1}"),
        Version(f"{major}.{minor}.{micro}rc1"),
    ]
    if micro:
        found.append(Version(f"{major}.{minor}.{micro - 1}"))
    if minor:
        found.append(Version(f"{major}.{minor - 1}.999"))
    if major:
        found.append(Version(f"{major - 1}.999.999"))
    return found


def _probes(*specs: SpecifierSet) -> list[Version]:
    probes = [Version("0"), Version("9999")]
    for spec in specs:
        for item in spec:
            version = Version(item.version.removesuffix(".*"))
            probes.extend(_neighbours(version))
    return probes


def _contains(spec: SpecifierSet, version: Version) -> bool:
    return spec.contains(version, prereleases=True)


def within(inner: SpecifierSet, outer: SpecifierSet) -> bool:
    """True when every version `inner` allows is allowed by `outer`."""
    return all(_contains(outer, probe) for probe in _probes(inner, outer) if _contains(inner, probe))


def overlaps(a: SpecifierSet, b: SpecifierSet) -> bool:
    """True when some version is allowed by both."""
    return any(_contains(a, probe) and _contains(b, probe) for probe in _probes(a, b))
