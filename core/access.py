"""Who may reach the app (访问控制): this computer only, until there are accounts.

Single-user mode has no login, so it must not be reachable from another computer
(个人信息保护法 Art. 51).  `.streamlit/config.toml` binds 127.0.0.1; as a second line the app
refuses a client whose address is not loopback while no account exists (dashboard.app.local_only).
Once an account exists every client logs in (dashboard.app.login_gate) and sees only its scope.
"""

from __future__ import annotations

import ipaddress

from core import accounts
from core.store import Store


def accounts_exist(store: Store) -> bool:
    """True once an account exists (core.accounts): then every client must log in, so other
    computers may reach the login form; before that the app serves this computer only."""
    return accounts.accounts_exist(store)


def is_loopback(address: str | None) -> bool:
    """True for a client on this computer.

    ``None`` is loopback: Streamlit's st.context.ip_address reports 127.0.0.1 and ::1 as None.
    IPv4 addresses mapped into IPv6 (::ffff:127.0.0.1) count as what they map; text that is not
    an address is not loopback.
    """
    if address is None:
        return True
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback
