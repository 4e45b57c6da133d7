from django.urls import path

from intake.request import views
from intake.triage import viewer
from intake.triage import views as staff_views
from intake.uploads import tus

app_name = "intake"

urlpatterns = [
    path("", views.request_review, name="request"),
    path("thanks/", views.thanks, name="thanks"),
    path("status/", views.request_status, name="status"),
    path("files/<int:pk>/", staff_views.upload_download, name="upload_download"),
    path("previews/<int:pk>/", staff_views.preview, name="preview"),
    path("viewer/<int:pk>/", viewer.viewer, name="viewer"),
    path("viewer/<int:pk>/index/", viewer.index, name="viewer_index"),
    path("viewer/<int:pk>/slices/", viewer.frames, name="viewer_frames"),
    path("viewer/<int:pk>/files/<int:upload_pk>/<int:number>/", viewer.page, name="viewer_page"),
    path("upload-session/", tus.upload_session, name="upload_session"),
    path("uploads/", tus.uploads, name="tus_uploads"),
    path("uploads/<slug:key>", tus.upload, name="tus_upload"),
    path("more-files/<str:token>/", views.more_files, name="more_files"),
    path("letter/<str:token>/", views.review_letter, name="review_letter"),
]
