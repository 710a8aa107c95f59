"""The bundled demo incident: a checkout slowdown caused by a bad inventory deploy."""
