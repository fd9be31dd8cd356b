"""What a watched person or group member may type to mean something: OK,
「せってい」, a contact's link code. Shared by the individual and group services."""

from __future__ import annotations

import re

OK_WORDS = re.compile(r"^\s*(げんき|元気|げんきです|元気です|ok|OK|ＯＫ|はい)\s*[。!！]?\s*$")
SETTINGS_WORDS = re.compile(r"^\s*(せってい|設定)\s*$")
LINK_CODE = re.compile(r"^\s*(?:れんらく|連絡)?\s*(\d{6})\s*$")
