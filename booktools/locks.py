"""What a requirements file pins: read by the execution cache's key, the build report and the compatibility check."""

import re

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def locked(path):
    """The packages a requirements file pins, {name: (version specifier, hashes)}: pip-compile's hashed lock (one
    requirement continued over lines with its --hash options and "# via" comments) or a plain list. Comments and
    options (-r, -c, --extra-index-url) are not packages."""
    packages = {}
    for line in path.read_text().replace("\\\n", " ").splitlines():
        line = re.sub(r"(^|\s)#.*", "", line)
        hashes = sorted(re.findall(r"--hash[=\s]+(\S+)", line))
        line = re.sub(r"--hash[=\s]+\S+", "", line).strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            packages[canonicalize_name(requirement.name)] = (str(requirement.specifier), hashes)
    return dict(sorted(packages.items()))
