"""捐赠回执: the receipt PDF, amounts in capital numerals, the verification QR code, and the prepared Chinese
fonts that keep a receipt's render in tens of milliseconds (see ``fonts``)."""

from .numerals import amount_in_capitals
from .pdf import ReceiptData, qr_svg, receipt_pdf

__all__ = ["ReceiptData", "amount_in_capitals", "qr_svg", "receipt_pdf"]
