import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")

application = get_asgi_application()

from annotator.serving import prepare_to_serve  # noqa: E402  (once Django is set up)

prepare_to_serve()
