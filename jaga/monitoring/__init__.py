"""Network monitoring: the asyncio ICMP probe engine (``icmp``) and the periodic check
scheduler (``scheduler``) that the later ``jaga monitor`` process runs. No models yet: this
package is not a Django app."""
