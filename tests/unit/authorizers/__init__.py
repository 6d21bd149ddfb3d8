"""Unit tests for vpcgate.gateway.authorizers."""
