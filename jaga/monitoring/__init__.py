"""Network monitoring: checks on inventory devices and links, the asyncio probe engine
(``icmp``, ``probes``), the periodic ``scheduler``, check states (``state``), outages that open
cases by themselves (``outages``), rollups and availability (``rollups``), and the
``jaga monitor`` and ``jaga agent`` processes (docs/monitoring.md)."""
