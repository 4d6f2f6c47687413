"""The upload form of 批量导入: one file, refused by its size and extension before a byte of it is read."""

from __future__ import annotations

from pathlib import Path

from django import forms

from .files import CSV_SUFFIXES, XLSX_SUFFIXES, FileRefused, size_check

ACCEPTED = sorted(XLSX_SUFFIXES | CSV_SUFFIXES)
OLD_FORMATS = {".xls", ".et", ".wps", ".numbers", ".ods"}


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="数据文件",
        help_text="Excel 工作簿(.xlsx)或 CSV(UTF-8 或 GBK 编码)。请使用本页的模板,表头不要改动。",
        error_messages={"required": "请选择要上传的文件。", "empty": "上传的文件是空的。"},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED)}),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        suffix = Path(uploaded.name or "").suffix.lower()
        if suffix in OLD_FORMATS:
            raise forms.ValidationError(f"不支持「{suffix}」格式:请在 Excel 或 WPS 中另存为 .xlsx 后再上传。")
        if suffix not in ACCEPTED:
            raise forms.ValidationError(f"不支持的文件类型「{suffix or uploaded.name}」:请上传 .xlsx 或 .csv 文件。")
        try:
            size_check(uploaded.size)  # the size Django counted while receiving it: nothing is parsed yet
        except FileRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return uploaded
