"""The composition root of RRIS: builds every package's services once and serves them over HTTP."""
