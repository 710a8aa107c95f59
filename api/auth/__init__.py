"""Per-tenant API keys, stored hashed, and the runtime's auth hook that checks them."""
