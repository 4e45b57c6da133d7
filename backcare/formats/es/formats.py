"""Spanish as written in the US: Django's Spanish formats (dates read "30 de noviembre de 2026"),
but typed dates are month/day/year as in English.

A date of birth opens the status page and the review letter, and US documents (ID, insurance card)
write it month first: read 03/04/1968 as day-first on one page and month-first on another and the
patient is locked out of their own request. So both languages read typed dates the same way, and the
Spanish help texts say "mes/día/año".
"""

from django.conf.locale.en import formats as english
from django.conf.locale.es.formats import *  # noqa: F403 - Django's Spanish formats, then ours

DATE_INPUT_FORMATS = english.DATE_INPUT_FORMATS  # month/day/year
