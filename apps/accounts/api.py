from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import User


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "role", "timezone", "preferred_language", "text_size"]
        read_only_fields = fields


class MeView(APIView):
    """The logged-in person."""

    @extend_schema(responses=MeSerializer, summary="Who am I", tags=["me"])
    def get(self, request):
        return Response(MeSerializer(request.user).data)
