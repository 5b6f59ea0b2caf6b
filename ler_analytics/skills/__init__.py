"""Skills: O*NET elements (skills, knowledge, technology) and the matcher that maps CTDL competencies to them.

``SkillMatcher`` tries explicit O*NET codes first, then element names, then TF-IDF text similarity
(scikit-learn); every match carries a ``method`` and a ``confidence`` (0-1), and the user sets the
threshold. ``onet_elements()`` is the target vocabulary. See ``docs/skills-and-pathways.md``.
"""

from __future__ import annotations

from ler_analytics.skills.elements import element_category, onet_elements
from ler_analytics.skills.matcher import METHODS, SkillMatcher

__all__ = ["METHODS", "SkillMatcher", "element_category", "onet_elements"]
