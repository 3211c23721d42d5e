"""Pages (FAB views).  Registered in one place: ``app.views.registry``."""
