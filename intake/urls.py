from django.urls import path

from intake.request import views
from intake.triage import views as staff_views
from intake.uploads import tus

app_name = "intake"

urlpatterns = [
    path("", views.request_review, name="request"),
    path("thanks/", views.thanks, name="thanks"),
    path("status/", views.request_status, name="status"),
    path("files/<int:pk>/", staff_views.upload_download, name="upload_download"),
    path("previews/<int:pk>/", staff_views.preview, name="preview"),
    path("upload-session/", tus.upload_session, name="upload_session"),
    path("uploads/", tus.uploads, name="tus_uploads"),
    path("uploads/<slug:key>", tus.upload, name="tus_upload"),
    path("more-files/<str:token>/", views.more_files, name="more_files"),
    path("letter/<str:token>/", views.review_letter, name="review_letter"),
]
