"""Private networks: VPCs, subnets, security groups and instances, enforced for real."""
