"""Private networks: VPCs, subnets, security groups and instances, enforced for real.

::

    model.py             the AWS::EC2::* models (shared contract, built by the deploy providers)
    policy.py            Topology (VPCs, subnets, groups, interfaces) and decide(): the semantics
    mode.py              choose_mode(--network-mode) -> (mode, reason)
    errors.py            NetworkError
    enforce/             namespace mode: netns.py (setns), iproute.py (ip -batch), nft.py
                         (libnftables/nft), ruleset.py (the nftables text), runs.py (markers,
                         leftovers), namespaces.py (NamespaceNetwork, Eni)
    confine.py           hostile code: a uid per function, no capabilities, no_new_privs
    launch.py            FunctionLaunchers: the functions layer's Launcher for ENIs and the host
    services.py          InstanceProcess: an instance's UserData, confined, in its namespace
    userns.py            user-namespace mode for a non-root user (enter_userns)
    guard.py             guard mode's data: loopback aliases and per-function allow tables
    running.py           StackNetwork: one ``up`` run's network in the mode chosen (resolve(),
                         enter_for(), GuardLauncher)
"""
