"""Turn manager: when to answer, early starts confirmed or cancelled."""
