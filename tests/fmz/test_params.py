"""okxbridge/fmz/params.py: parameters read from an FMZ call."""

import pytest

from okxbridge.fmz.errors import ProtocolError


@pytest.mark.parametrize("value", ["1e999999", "-1e30", "1e-40", 1e300])
def test_absurd_numbers_are_refused_by_name(value):
    from okxbridge.fmz.params import decimal_param
    with pytest.raises(ProtocolError, match="parameter 'amount' is out of range"):
        decimal_param({"amount": value}, "amount")
