from django.urls import path

from exercises import views

app_name = "exercises"

urlpatterns = [
    path("", views.library, name="library"),
    path("routines/<slug:slug>/", views.routine_detail, name="routine"),
    path("routines/<slug:slug>/print/", views.routine_print, name="routine_print"),
    path("<slug:slug>/", views.exercise_detail, name="exercise"),
    path("<slug:slug>/print/", views.exercise_print, name="exercise_print"),
]
