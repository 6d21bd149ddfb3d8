"""vpcgate.syscalls: a failed call raises OSError with its errno and names the call."""

from __future__ import annotations

import errno

import pytest

from vpcgate import syscalls


def test_a_failed_call_raises_oserror_with_errno_and_the_call() -> None:
    with pytest.raises(OSError) as bad_fd:
        syscalls.setns(-1, syscalls.CLONE_NEWNET)
    assert bad_fd.value.errno == errno.EBADF
    assert "setns(" in str(bad_fd.value)


def test_an_unknown_prctl_option_is_einval() -> None:
    with pytest.raises(OSError) as unknown:
        syscalls.prctl(0x7FFF_FFFF, 0)
    assert unknown.value.errno == errno.EINVAL
