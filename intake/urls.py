from django.urls import path

from intake import tus, views

app_name = "intake"

urlpatterns = [
    path("", views.request_review, name="request"),
    path("thanks/", views.thanks, name="thanks"),
    path("files/<int:pk>/", views.upload_download, name="upload_download"),
    path("previews/<int:pk>/", views.preview, name="preview"),
    path("upload-session/", tus.upload_session, name="upload_session"),
    path("uploads/", tus.uploads, name="tus_uploads"),
    path("uploads/<slug:key>", tus.upload, name="tus_upload"),
    path("more-files/<str:token>/", views.more_files, name="more_files"),
]
