from django.urls import path

from intake import views

app_name = "intake"

urlpatterns = [
    path("", views.request_review, name="request"),
    path("thanks/", views.thanks, name="thanks"),
    path("files/<int:pk>/", views.upload_download, name="upload_download"),
    path("more-files/<str:token>/", views.more_files, name="more_files"),
]
