from django.urls import path

from ledgers.views import cadre_lists, exports, imports

app_name = "ledgers"

urlpatterns = [
    path("", exports.ExportIndexView.as_view(), name="index"),
    path("export/", exports.ExportView.as_view(), name="export"),
    path("exports/<int:pk>/", exports.ExportJobView.as_view(), name="export-job"),
    path("exports/<int:pk>/retry/", exports.ExportRetryView.as_view(), name="export-retry"),
    path(
        "exports/<int:pk>/download/", exports.ExportDownloadView.as_view(), name="export-download"
    ),
    path("cadres/<int:pk>/lists/", cadre_lists.CadreListsView.as_view(), name="cadre-lists"),
    path("cadres/lists/", cadre_lists.AreaCadreListsView.as_view(), name="area-cadre-lists"),
    path("import/", imports.ImportIndexView.as_view(), name="import"),
    path(
        "import/template/<str:kind>/", imports.ImportTemplateView.as_view(), name="import-template"
    ),
    path("import/<int:pk>/", imports.ImportBatchView.as_view(), name="import-batch"),
    path("import/<int:pk>/errors/", imports.ImportErrorsView.as_view(), name="import-errors"),
    path("import/<int:pk>/retry/", imports.ImportBatchRetryView.as_view(), name="import-retry"),
]
