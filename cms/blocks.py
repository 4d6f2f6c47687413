"""StreamField blocks for a project's story: rich text, images with alt text, quotes and key figures."""

from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label="图片")
    alt_text = blocks.CharBlock(label="替代文字", max_length=200, help_text="为读屏软件描述图片内容(必填)。")
    caption = blocks.CharBlock(label="图片说明", required=False, max_length=200)

    class Meta:
        icon = "image"
        label = "图片"
        template = "cms/blocks/image_block.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="引语")
    attribution = blocks.CharBlock(label="出处", required=False, max_length=100)

    class Meta:
        icon = "openquote"
        label = "引语"
        template = "cms/blocks/quote_block.html"


class FigureBlock(blocks.StructBlock):
    value = blocks.CharBlock(label="数字", max_length=30, help_text="例如 3869 或 94.5万")
    unit = blocks.CharBlock(label="单位", required=False, max_length=20, help_text="例如 人次、元、名")
    label = blocks.CharBlock(label="说明", max_length=60)

    class Meta:
        icon = "order"
        label = "数字"


class FiguresBlock(blocks.StructBlock):
    """Key figures quoted from a report (e.g. 全年共计救助3869人次). Text, not ledger amounts."""

    heading = blocks.CharBlock(label="标题", required=False, max_length=60)
    figures = blocks.ListBlock(FigureBlock(), label="数字", min_num=1, max_num=6)
    source = blocks.CharBlock(label="数据来源", required=False, max_length=200)

    class Meta:
        icon = "table"
        label = "关键数字"
        template = "cms/blocks/figures_block.html"


class StoryBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(label="正文", features=["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr"])
    image = ImageBlock()
    quote = QuoteBlock()
    figures = FiguresBlock()

    class Meta:
        block_counts = {}
