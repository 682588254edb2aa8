"""Base-image references: split into repository and tag, and find their family and distribution."""

from __future__ import annotations

from dataclasses import dataclass

from envkit.compat.knowledge import Distro, Family, Knowledge


@dataclass(frozen=True)
class ImageRef:
    repository: str  # "nvidia/cuda", "nvcr.io/nvidia/pytorch", "local/debian"
    tag: str

    @classmethod
    def parse(cls, reference: str) -> ImageRef:
        """Split `repo:tag[@digest]` (the reference was validated by envkit.recipes.values)."""
        name = reference.split("@", 1)[0]
        repository, _, tag = name.rpartition(":")
        return cls(repository, tag)

    @property
    def basename(self) -> str:
        return self.repository.rsplit("/", 1)[-1]


def family_of(reference: str, knowledge: Knowledge) -> Family | None:
    """The family an image belongs to: by full repository path, or (for distro images such as
    `local/debian`) by the repository's last component."""
    ref = ImageRef.parse(reference)
    repository = ref.repository.removeprefix("docker.io/").removeprefix("library/")
    for family in knowledge.families:
        for known in family.repositories:
            if repository == known or ("/" not in known and ref.basename == known):
                return family
    return None


def distro_of(reference: str, knowledge: Knowledge) -> Distro | None:
    """The distribution an image is built on, from its tag (NGC: from the release table)."""
    ref = ImageRef.parse(reference)
    release = knowledge.ngc_release(ref.tag)
    if release and family_of(reference, knowledge) and family_of(reference, knowledge).name == "ngc-pytorch":
        return knowledge.distro(release.distro)
    return knowledge.distro_for_tag(ref.tag)
