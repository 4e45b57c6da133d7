from django.urls import path

from exercises import player, views

app_name = "exercises"

urlpatterns = [
    path("", views.library, name="library"),
    # Fixed names before "<slug>/", which would match them too.
    path("sw.js", player.service_worker, name="service_worker"),
    path("my-progress/", player.progress, name="progress"),
    path("programme/", player.programme_find, name="programme_find"),
    path("programme/<str:code>/", player.programme, name="programme"),
    path("programme/<str:code>/play/", player.programme_player, name="programme_player"),
    path("routines/<slug:slug>/", views.routine_detail, name="routine"),
    path("routines/<slug:slug>/print/", views.routine_print, name="routine_print"),
    path("routines/<slug:slug>/play/", player.routine_player, name="routine_player"),
    path("<slug:slug>/", views.exercise_detail, name="exercise"),
    path("<slug:slug>/print/", views.exercise_print, name="exercise_print"),
    path("<slug:slug>/play/", player.exercise_player, name="exercise_player"),
]
