"""A cadre's commitment letter (承诺书) and three lists: the print page and the .docx of one
cadre (the cadre on the phone, or an office), and one .docx of every cadre of an area."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.views.generic import TemplateView, View

from baobao.mixins import OfficeRequiredMixin
from cadres.selectors import access_cadre
from ledgers.documents.commitment import (
    area_document,
    cadre_document,
    commitment_paragraphs,
    commitment_title,
    list_sections,
    signature_lines,
)
from ledgers.documents.official import DOCX_CONTENT_TYPE, docx_response
from ledgers.selectors.cadre_lists import area_cadre_lists, cadre_lists
from ledgers.views.dashboard import chosen_division


class CadreListsView(LoginRequiredMixin, TemplateView):
    """/ledgers/cadres/<pk>/lists/: anyone whose scope holds the cadre (the cadre themself, their
    assistants, the offices above); 404 otherwise. ``?format=docx`` downloads the same."""

    template_name = "ledgers/cadre_lists.html"

    def get(self, request, *args, **kwargs):
        cadre = access_cadre(request.user, kwargs["pk"])
        lists = cadre_lists(cadre=cadre, today=request.today)
        if request.GET.get("format") == "docx":
            return docx_response(cadre_document(lists), f"{cadre.name}_承诺书与三清单.docx")
        return self.render_to_response(
            self.get_context_data(
                lists=lists,
                cadre=cadre,
                title=commitment_title(),
                paragraphs=commitment_paragraphs(lists),
                signatures=signature_lines(),
                sections=list_sections(lists),
            )
        )


class AreaCadreListsView(OfficeRequiredMixin, View):
    """/ledgers/cadres/lists/?division=<id>: every cadre in post of the area (in the user's
    scope; a foreign area is 404) in one .docx, a page break between cadres."""

    def get(self, request, *args, **kwargs):
        division = chosen_division(request.user, request)
        if division is None:
            raise Http404
        handle, _count = area_document(
            area_cadre_lists(user=request.user, division=division, today=request.today)
        )
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"{division.name}_承诺书与三清单.docx",
            content_type=DOCX_CONTENT_TYPE,
        )
        response["Cache-Control"] = "private, no-store"
        return response
