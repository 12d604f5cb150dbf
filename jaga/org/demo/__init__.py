"""Demo agencies for `jaga demo`: five Diskominfo after the regions of the shipped seed SOPs."""
